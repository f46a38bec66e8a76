"""Load a sync spec from YAML with errors that name the file, line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import yaml

from concord.errors import SpecError
from concord.spec.model import SyncSpec


def load_sync_spec(path: str | Path) -> SyncSpec:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return parse_sync_spec(text, str(path))


def parse_sync_spec(text: str, path: str = "<memory>") -> SyncSpec:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise SpecError(
            str(exc.problem), path=path,
            line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
        ) from None
    if root is None:
        raise SpecError("the spec is empty", path=path, line=1, column=1)
    data = yaml.safe_load(text)
    try:
        return SyncSpec.model_validate({**data, "path": path})
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
            node = _node_at(root, loc)
            where = ".".join(str(p) for p in loc) or "(top level)"
            problems.append((node.start_mark.line + 1, node.start_mark.column + 1,
                             f"{where}: {err['msg']}"))
        line, column, first = problems[0]
        more = "".join(f"\n  {ln}:{col}: {msg}" for ln, col, msg in problems[1:])
        raise SpecError(first + more, path=path, line=line, column=column) from None


def _node_at(node: yaml.Node, loc: list[Any]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location (for its line and column)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                # an unknown key: point at the key itself
                key = next((k for k, _ in node.value if k.value == part), None)
                return key or node
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    return node
