"""A throwaway CA and loopback server certificate, kept in the state dir.

The CA is persisted so a restarted sandbox presents a certificate the clients already trust
(they were handed `ca_bundle` once, in the ready line).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme

_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    ca_bundle: Path
    cert_file: Path
    key_file: Path


def ensure_tls(state_dir: Path) -> TlsFiles:
    """Load the CA and server cert from `state_dir/tls`, creating them on first start."""
    tls_dir = state_dir / "tls"
    tls_dir.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server.key")
    ca_key = tls_dir / "ca.key"
    if all(p.exists() for p in (files.ca_bundle, files.cert_file, files.key_file, ca_key)):
        return files
    ca = trustme.CA(organization_name="Concord sandbox CA")
    server = ca.issue_cert(*_HOSTS)
    ca_key.write_bytes(ca.private_key_pem.bytes())
    files.key_file.write_bytes(server.private_key_pem.bytes())
    files.cert_file.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    files.ca_bundle.write_bytes(ca.cert_pem.bytes())
    for path in (ca_key, files.key_file):
        path.chmod(0o600)
    return files
