"""`concord`: run syncs, start sandboxes, open the UI.

    concord sync [SYNC ...] [--json]     every sync (or the named ones) end to end
    concord sandbox NAME [...]           a sandbox API or the sandbox platform database
    concord ui                           dagster dev with the sandboxes running
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from typing import Any

from integration_dags import local


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the `with` blocks that stop the sandboxes


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if argv and argv[0] == "sandbox":
        from sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    parser = argparse.ArgumentParser(prog="concord", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_sync = sub.add_parser("sync", help="run syncs end to end through Dagster")
    p_sync.add_argument("syncs", nargs="*", help="sync names (default: all)")
    p_sync.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p_sync.add_argument("--scale", type=int, default=local.DEFAULT_SCALE,
                        help="companies in a newly generated sandbox platform")
    p_sync.add_argument("--seed", type=int, default=local.DEFAULT_SEED)
    p_sync.add_argument("--full", action="store_true",
                        help="run every partition again (default after the initial load: "
                             "yesterday and today, as the hourly schedule does)")
    sub.add_parser("sandbox", help="start a sandbox: concord sandbox NAME --help")
    sub.add_parser("ui", help="dagster dev on the embedded default, sandboxes running")
    args = parser.parse_args(argv)
    if args.command == "sync":
        return run_syncs(args.syncs, as_json=args.json, scale=args.scale, seed=args.seed,
                         full=args.full)
    if args.command == "ui":
        return run_ui()
    return 2


def run_syncs(names: list[str], *, as_json: bool, scale: int, seed: int, full: bool = False) -> int:
    local.set_local_defaults()
    local.ensure_platform(scale=scale, seed=seed)
    with local.sandboxes():
        from integration_dags.definitions import SYNCS
        from integration_dags.run import run_sync

        unknown = [n for n in names if n not in SYNCS]
        if unknown:
            print(f"unknown sync(s): {', '.join(unknown)}; known: {', '.join(SYNCS)}",
                  file=sys.stderr)
            return 2
        summary: dict[str, Any] = {}
        ok = True
        for name in names or list(SYNCS):
            success, counts = run_sync(name, full=full)
            ok &= success
            summary[name] = counts
    if as_json:
        print(json.dumps({"syncs": summary}, sort_keys=True))
    else:
        print(format_summary(summary))
    return 0 if ok else 1


def format_summary(summary: dict[str, Any]) -> str:
    lines = []
    for name, s in summary.items():
        calls = s["api_calls"]
        lines.append(
            f"{name}: extracted {s['extracted']}, created {s['created']}, updated {s['updated']}, "
            f"unchanged {s['unchanged']}, quarantined {s['quarantined']}, skipped {s['skipped']}; "
            f"API calls: {calls['read']} reads, {calls['write']} writes, {calls['bulk_jobs']} bulk jobs"
        )
    return "\n".join(lines)


def run_ui() -> int:
    local.set_local_defaults()
    local.ensure_platform()
    with local.sandboxes():
        cmd = [sys.executable, "-m", "dagster", "dev", "-w", str(local.PROJECT_ROOT / "workspace.yaml")]
        ui = subprocess.Popen(cmd, env=os.environ.copy(), cwd=local.PROJECT_ROOT)
        try:
            return ui.wait()
        except (KeyboardInterrupt, SystemExit):
            ui.terminate()
            ui.wait(timeout=30)
            return 0
