"""The CRM accounts sync end to end through Dagster, twice, at a given platform scale.

    python -m bench.sync_end_to_end [--scale 20000]

Runs `concord sync --json` in a fresh CONCORD_HOME: the first run is the initial load, the
second must make no write calls. Prints wall seconds and peak RSS (this process's children)
with each run's summary, as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def _run(home: str, scale: int) -> dict:
    env = {**os.environ, "CONCORD_HOME": home}
    for var in ("CONCORD_PLATFORM_URL", "CONCORD_LEDGER_URL", "DAGSTER_HOME"):
        env.pop(var, None)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "integration_dags", "sync", "--json",
                           "--scale", str(scale)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"sync failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"seconds": round(wall, 2), **summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, default=20_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        from integration_dags.local import PROJECT_ROOT  # noqa: F401  (fail early if not installed)

        first = _run(home, args.scale)
        second = _run(home, args.scale)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"scale": args.scale, "initial_load": first, "rerun": second,
                      "peak_rss_mb_largest_child": round(peak_mb)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
