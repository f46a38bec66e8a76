"""`concord sandbox NAME ...`: one way to start every sandbox.

Servers print ONE JSON line on stdout when ready (name, base_url, token_url, ca_bundle,
credentials) and run until SIGTERM. `platform` generates the sandbox platform database.
"""

from __future__ import annotations

import importlib
import sys

# name -> module with `main(argv: list[str]) -> int`
SANDBOXES = {
    "platform": "sandbox.platform.generate",
    "salesforce": "sandbox.salesforce.app",
    "xero": "sandbox.xero.app",
    "qbo": "sandbox.qbo.app",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in SANDBOXES:
        names = ", ".join(SANDBOXES)
        print(f"usage: concord sandbox {{{names}}} [options]", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(SANDBOXES[argv[0]])
    return int(module.main(argv[1:]) or 0)
