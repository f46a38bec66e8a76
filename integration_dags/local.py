"""The embedded default: project-local Dagster home, SQLite files and the sandboxes.

Everything lives under the project (or CONCORD_HOME): `var/` for the platform database,
the ledger and the sandboxes' state, `.dagster_home/` for the Dagster instance.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

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
    if not os.environ.get("CONCORD_TOKEN_KEY"):
        os.environ["CONCORD_TOKEN_KEY"] = local_token_key()
    os.environ.setdefault("DAGSTER_HOME", str(home() / ".dagster_home"))
    prepare_instance_home(Path(os.environ["DAGSTER_HOME"]))
    return embedded_platform


def local_token_key() -> str:
    """The embedded default's key for the ledger's token table, made once and kept in
    `var/token.key` (owner-only). A real deployment sets CONCORD_TOKEN_KEY instead."""
    path = var_dir() / "token.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode())
    return path.read_text().strip()


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
CONFIGURED_BY = {"salesforce": "SALESFORCE_INSTANCE_URL", "xero": "XERO_TENANT_ID",
                 "qbo": "QBO_REALM_ID"}

SANDBOX_ENV = {
    "salesforce": lambda info: {
        "SALESFORCE_INSTANCE_URL": info.base_url,
        "SALESFORCE_TOKEN_URL": info.token_url,
        "SALESFORCE_CLIENT_ID": info.credentials["client_id"],
        "SALESFORCE_CLIENT_SECRET": info.credentials["client_secret"],
        "SALESFORCE_CA_BUNDLE": info.ca_bundle,
    },
    "xero": lambda info: {
        "XERO_BASE_URL": info.base_url,
        "XERO_TOKEN_URL": info.token_url,
        "XERO_CONNECTIONS_URL": info.extra["connections_url"],
        "XERO_CLIENT_ID": info.credentials["client_id"],
        "XERO_CLIENT_SECRET": info.credentials["client_secret"],
        "XERO_TENANT_ID": info.credentials["tenant_id"],
        "XERO_CA_BUNDLE": info.ca_bundle,
    },
    "qbo": lambda info: {
        "QBO_BASE_URL": info.base_url,
        "QBO_DISCOVERY_URL": info.credentials["discovery_url"],
        "QBO_CLIENT_ID": info.credentials["client_id"],
        "QBO_CLIENT_SECRET": info.credentials["client_secret"],
        "QBO_REALM_ID": info.credentials["realm_id"],
        "QBO_CA_BUNDLE": info.ca_bundle,
    },
}

# The sandbox tenant each OAuth sandbox issued its first tokens for: (ledger system, tenant).
_TENANT = {"xero": ("xero", "tenant_id"), "qbo": ("qbo", "realm_id")}


def seed_sandbox_tokens(name: str, info: SandboxInfo) -> None:
    """Give the ledger the sandbox tenant's first tokens, as `concord auth` would for a real
    one. Only when it holds none: afterwards the vault rotates them with the sandbox, whose
    state (like the ledger's) lives under var/."""
    from concord.ledger import Ledger, TokenSet

    system, field = _TENANT[name]
    creds = info.credentials
    ledger = Ledger.open(os.environ["CONCORD_LEDGER_URL"])
    try:
        if ledger.get_token(system, creds[field]) is None:
            ledger.swap_token(system, creds[field], expected_version=None, token=TokenSet(
                access_token=creds["access_token"], refresh_token=creds["refresh_token"],
                expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    finally:
        ledger.close()


@contextmanager
def sandboxes(systems: Sequence[str] | None = None) -> Iterator[dict[str, SandboxInfo]]:
    """Start sandbox APIs on free loopback ports (in parallel) and point the environment at
    them, for each of `systems` (default: all) that the environment does not already
    configure (a real org or tenant)."""
    names = [n for n in (SANDBOX_ENV if systems is None else systems)
             if not os.environ.get(CONFIGURED_BY[n])]
    with ExitStack() as stack, ThreadPoolExecutor(max(1, len(names))) as pool:
        started = {name: pool.submit(launch_sandbox, name, var_dir() / "sandbox" / name)
                   for name in names}
        infos: dict[str, SandboxInfo] = {}
        failure: Exception | None = None
        for name, future in started.items():
            try:
                running = future.result()
            except Exception as exc:  # stop the others before reporting it
                failure = failure or exc
                continue
            stack.callback(running.stop)
            infos[name] = running.info
        if failure is not None:
            raise failure
        for name, info in infos.items():
            os.environ.update(SANDBOX_ENV[name](info))
            if name in _TENANT:
                seed_sandbox_tokens(name, info)
        yield infos
