"""The embedded default: project-local Dagster home, SQLite files and the sandboxes.

Everything lives under the project (or CONCORD_HOME): `var/` for the platform database,
the ledger and the sandboxes' state, `.dagster_home/` for the Dagster instance.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sandbox.harness import SandboxInfo, launch_sandbox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCALE = 1000
DEFAULT_SEED = 42


def home() -> Path:
    return Path(os.environ.get("CONCORD_HOME") or PROJECT_ROOT)


def var_dir() -> Path:
    return home() / "var"


def platform_path() -> Path:
    return var_dir() / "platform.sqlite"


def set_local_defaults() -> bool:
    """Defaults for the embedded setup; variables already set (real systems) win.

    Returns True when the platform is the embedded sandbox platform (to be generated).
    """
    embedded_platform = not os.environ.get("CONCORD_PLATFORM_URL")
    os.environ.setdefault("CONCORD_PLATFORM_URL", f"sqlite:///{platform_path()}")
    os.environ.setdefault("CONCORD_LEDGER_URL", f"sqlite:///{var_dir() / 'ledger.sqlite'}")
    os.environ.setdefault("DAGSTER_HOME", str(home() / ".dagster_home"))
    prepare_instance_home(Path(os.environ["DAGSTER_HOME"]))
    return embedded_platform


def prepare_instance_home(dagster_home: Path) -> None:
    """Write dagster.yaml: SQLite by default, dagster-postgres when CONCORD_DAGSTER_PG_URL is set."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    template = (PROJECT_ROOT / "deploy" / "dagster.postgres.yaml"
                if os.environ.get("CONCORD_DAGSTER_PG_URL") else PROJECT_ROOT / "dagster.yaml")
    shutil.copyfile(template, dagster_home / "dagster.yaml")


def ensure_platform(scale: int = DEFAULT_SCALE, seed: int = DEFAULT_SEED) -> Path:
    """Generate the sandbox platform database once; later runs reuse (and edit) it."""
    path = platform_path()
    if not path.exists():
        from sandbox.platform.generate import generate_platform

        path.parent.mkdir(parents=True, exist_ok=True)
        generate_platform(path, scale=scale, seed=seed)
    return path


# The variable that says a system is configured; unset, its sandbox stands in for it.
CONFIGURED_BY = {"salesforce": "SALESFORCE_INSTANCE_URL"}

SANDBOX_ENV = {
    "salesforce": lambda info: {
        "SALESFORCE_INSTANCE_URL": info.base_url,
        "SALESFORCE_TOKEN_URL": info.token_url,
        "SALESFORCE_CLIENT_ID": info.credentials["client_id"],
        "SALESFORCE_CLIENT_SECRET": info.credentials["client_secret"],
        "SALESFORCE_CA_BUNDLE": info.ca_bundle,
    },
}


@contextmanager
def sandboxes(names: Sequence[str] | None = None) -> Iterator[dict[str, SandboxInfo]]:
    """Start sandbox APIs on free loopback ports and point the environment at them; by
    default for every system the environment does not already configure (a real org)."""
    if names is None:
        names = [n for n in SANDBOX_ENV if not os.environ.get(CONFIGURED_BY[n])]
    with ExitStack() as stack:
        infos: dict[str, SandboxInfo] = {}
        for name in names:
            running = launch_sandbox(name, var_dir() / "sandbox" / name)
            stack.callback(running.stop)
            infos[name] = running.info
            os.environ.update(SANDBOX_ENV[name](running.info))
        yield infos
