"""`concord`: run syncs, start sandboxes, open the UI.

    concord sync [SYNC ...] [--json]     every sync (or the named ones) end to end
    concord sandbox NAME [...]           a sandbox API or the sandbox platform database
    concord ui                           dagster dev with the sandboxes running
    concord duplicates list [--sync S] [--all] [--json]
                                         the duplicate review queue, with the platform's fields
    concord duplicates resolve CLUSTER (--keep RECORD_KEY | --separate) [--by NAME]
                                         a steward's decision, applied on the next run
    concord duplicates resolve --all-suggested [--sync S] [--tier T] [--by NAME]
                                         keep the earliest record of every open cluster
    concord conflicts list [--all] [--json]
                                         field conflicts of two-way syncs (held ones by default)
    concord conflicts resolve ID --winner platform|salesforce [--by NAME]
                                         a steward's pick for a held conflict, applied next run
    concord plan SYNC [--json] [--partition-range START..END]
                                         dry run: what the next run would write, writing nothing
    concord auth xero|qbo [--redirect-uri URI] [--tenant ID] [--listen | --paste] [--timeout S]
                                         OAuth consent for a real Xero tenant / QBO company;
                                         its tokens are stored encrypted in the ledger
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
                        help="run every partition again, reading every record afresh "
                             "(default after the initial load: yesterday and today, as the "
                             "hourly schedule does; after a stop at the duplicate check: "
                             "resume from the dedupe step)")
    sub.add_parser("sandbox", help="start a sandbox: concord sandbox NAME --help")
    sub.add_parser("ui", help="dagster dev on the embedded default, sandboxes running")
    _add_duplicates_parser(sub)
    _add_plan_parser(sub)
    _add_conflicts_parser(sub)
    _add_auth_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "sync":
        return run_syncs(args.syncs, as_json=args.json, scale=args.scale, seed=args.seed,
                         full=args.full)
    if args.command == "ui":
        return run_ui()
    if args.command == "duplicates":
        from integration_dags import stewardship

        if args.action == "list":
            return stewardship.list_duplicates(sync=args.sync, include_decided=args.all,
                                               as_json=args.json)
        return stewardship.resolve(args.cluster, keep=args.keep, separate=args.separate, by=args.by,
                                   all_suggested=args.all_suggested, sync=args.sync, tier=args.tier)
    if args.command == "conflicts":
        from integration_dags import conflicts

        if args.action == "list":
            return conflicts.list_conflicts(include_resolved=args.all, as_json=args.json)
        return conflicts.resolve_conflict(args.id, winner=args.winner, by=args.by)
    if args.command == "plan":
        from integration_dags.dry_run import run_plan

        return run_plan(args.sync, as_json=args.json, partition_range=args.partition_range,
                        full=args.full, limit=args.limit)
    if args.command == "auth":
        from integration_dags.auth import authorise

        return authorise(args.system, redirect_uri=args.redirect_uri, tenant=args.tenant,
                         mode=args.mode, timeout=args.timeout)
    return 2


def _add_duplicates_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("duplicates", help="review and decide duplicate clusters (data steward)")
    actions = p.add_subparsers(dest="action", required=True)
    p_list = actions.add_parser("list", help="open duplicate clusters, members with their fields")
    p_list.add_argument("--sync", help="only this sync's clusters")
    p_list.add_argument("--all", action="store_true", help="include decided clusters")
    p_list.add_argument("--json", action="store_true", help="print one JSON object")
    p_res = actions.add_parser("resolve", help="decide a cluster: merge into one member, or keep apart")
    p_res.add_argument("cluster", nargs="?", help="cluster id, as `concord duplicates list` shows it")
    p_res.add_argument("--keep", metavar="RECORD_KEY", help="merge the other members into this one")
    p_res.add_argument("--separate", action="store_true", help="not duplicates: keep them apart")
    p_res.add_argument("--by", metavar="NAME", help="who decides (default: the OS user)")
    p_res.add_argument("--all-suggested", action="store_true",
                       help="every open cluster: keep its earliest record")
    p_res.add_argument("--sync", help="with --all-suggested: only this sync's clusters")
    p_res.add_argument("--tier", help="with --all-suggested: only clusters this tier joined throughout")


def _add_conflicts_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("conflicts", help="field conflicts of the two-way sync")
    actions = p.add_subparsers(dest="action", required=True)
    p_list = actions.add_parser("list", help="held conflicts (with --all: settled ones too)")
    p_list.add_argument("--all", action="store_true", help="include settled conflicts")
    p_list.add_argument("--json", action="store_true", help="print one JSON object")
    p_res = actions.add_parser("resolve", help="pick the value of a held conflict")
    p_res.add_argument("id", type=int, help="conflict id, as `concord conflicts list` shows it")
    p_res.add_argument("--winner", required=True, choices=["platform", "salesforce"])
    p_res.add_argument("--by", metavar="NAME", help="who decides (default: the OS user)")


def _add_plan_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="dry run: what the next run of SYNC would write")
    p.add_argument("sync")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--partition-range", metavar="START..END",
                   help="partition keys (default: the range the next `concord sync` runs)")
    p.add_argument("--full", action="store_true", help="every partition")
    p.add_argument("--limit", type=int, default=10, help="writes shown per object (0: all)")


def _add_auth_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("auth", help="OAuth consent for a real Xero tenant or QBO company; "
                                    "stores its tokens (encrypted) in the ledger")
    p.add_argument("system", choices=["xero", "qbo"])
    p.add_argument("--redirect-uri", metavar="URI",
                   help="as registered with the app (default: XERO_REDIRECT_URI / "
                        "QBO_REDIRECT_URI, else http://localhost:8765/callback)")
    p.add_argument("--tenant", metavar="ID",
                   help="xero: the tenant to store when the consent connects several "
                        "(default: XERO_TENANT_ID)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--listen", dest="mode", action="store_const", const="listen",
                     help="catch the redirect on the redirect URI's loopback port "
                          "(default for http://localhost:PORT URIs)")
    how.add_argument("--paste", dest="mode", action="store_const", const="paste",
                     help="paste the address the browser was sent to (default otherwise)")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="how long --listen waits for the browser (default 300)")


def run_syncs(names: list[str], *, as_json: bool, scale: int, seed: int, full: bool = False) -> int:
    if local.set_local_defaults():
        local.ensure_platform(scale=scale, seed=seed)
    with local.sandboxes():
        from integration_dags import stewardship
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
            notice = None if success else stewardship.blocked_notice(name)
            if notice:
                print(notice, file=sys.stderr)
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
            f"deleted {s['deleted']}, "
            f"unchanged {s['unchanged']}, quarantined {s['quarantined']}, skipped {s['skipped']}; "
            f"API calls: {calls['read']} reads, {calls['write']} writes, {calls['bulk_jobs']} bulk jobs"
        )
    return "\n".join(lines)


def run_ui() -> int:
    if local.set_local_defaults():
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
