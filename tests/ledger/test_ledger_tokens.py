"""OAuth tokens: encrypted at rest, rotated by exactly one writer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from concord.ledger import Ledger, StaleTokenVersion, StoredToken, TokenKeyError, TokenSet
from concord.ledger.schema import tokens

EXPIRES = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def token_set(n: int = 1) -> TokenSet:
    return TokenSet(
        access_token=f"ACCESS-SECRET-{n}", refresh_token=f"REFRESH-SECRET-{n}",
        expires_at=EXPIRES + timedelta(minutes=30 * n),
        refresh_expires_at=EXPIRES + timedelta(days=60),
        extra={"id_token": f"ID-SECRET-{n}", "scope": "accounting.transactions"},
    )


def test_store_and_read_back(ledger: Ledger, token_key: str) -> None:
    stored = ledger.swap_token("xero", "tenant-1", expected_version=None, token=token_set())

    got = ledger.get_token("xero", "tenant-1")

    assert got == stored
    assert isinstance(got, StoredToken)
    assert (got.access_token, got.refresh_token) == ("ACCESS-SECRET-1", "REFRESH-SECRET-1")
    assert got.extra["id_token"] == "ID-SECRET-1"
    assert got.version == 1
    assert got.expires_at == EXPIRES + timedelta(minutes=30)
    assert got.updated_at.utcoffset() == timedelta(0)
    assert ledger.get_token("xero", "tenant-2") is None


def test_each_swap_moves_the_version_on(ledger: Ledger, token_key: str) -> None:
    first = ledger.swap_token("qbo", "realm-9", expected_version=None, token=token_set(1))
    second = ledger.swap_token("qbo", "realm-9", expected_version=first.version, token=token_set(2))

    assert second.version == 2
    assert ledger.get_token("qbo", "realm-9").refresh_token == "REFRESH-SECRET-2"  # type: ignore[union-attr]


def test_a_stale_version_is_refused_and_changes_nothing(ledger: Ledger, token_key: str) -> None:
    ledger.swap_token("xero", "t", expected_version=None, token=token_set(1))
    ledger.swap_token("xero", "t", expected_version=1, token=token_set(2))

    with pytest.raises(StaleTokenVersion) as caught:
        ledger.swap_token("xero", "t", expected_version=1, token=token_set(3))
    with pytest.raises(StaleTokenVersion):
        ledger.swap_token("xero", "t", expected_version=None, token=token_set(3))

    assert (caught.value.expected, caught.value.found) == (1, 2)
    assert "SECRET" not in str(caught.value)
    assert ledger.get_token("xero", "t").refresh_token == "REFRESH-SECRET-2"  # type: ignore[union-attr]


def _race(ledgers: list[Ledger], version: int, first_n: int) -> list[tuple[str, int]]:
    """Both ledgers swap against the same version at the same moment."""
    barrier = threading.Barrier(len(ledgers))
    outcomes: list[tuple[str, int]] = []

    def refresh(led: Ledger, n: int) -> None:
        barrier.wait()
        try:
            led.swap_token("xero", "t", expected_version=version, token=token_set(n))
            outcomes.append(("won", n))
        except StaleTokenVersion:
            outcomes.append(("stale", n))

    threads = [
        threading.Thread(target=refresh, args=(led, first_n + i)) for i, led in enumerate(ledgers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_two_concurrent_refreshes_exactly_one_wins(ledger: Ledger, token_key: str) -> None:
    ledger.swap_token("xero", "t", expected_version=None, token=token_set(0))
    others = [Ledger(ledger.engine.url) for _ in range(2)]  # two processes, own engines
    try:
        for round_no in range(1, 6):
            version = ledger.get_token("xero", "t").version  # type: ignore[union-attr]

            outcomes = _race(others, version, first_n=10 * round_no)

            assert sorted(kind for kind, _ in outcomes) == ["stale", "won"]
            winner = next(n for kind, n in outcomes if kind == "won")
            now = ledger.get_token("xero", "t")
            assert now.version == version + 1  # type: ignore[union-attr]
            assert now.refresh_token == f"REFRESH-SECRET-{winner}"  # type: ignore[union-attr]
    finally:
        for led in others:
            led.close()


def test_secrets_are_not_in_the_database_in_clear_text(
    ledger: Ledger, token_key: str, backend: str
) -> None:
    ledger.swap_token("xero", "t", expected_version=None, token=token_set(7))

    with ledger.engine.connect() as conn:
        dumped = " ".join(str(v) for row in conn.execute(sa.select(tokens)) for v in row)
    assert "SECRET-7" not in dumped
    if backend == "sqlite":
        db = Path(ledger.engine.url.database or "")
        raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
        assert b"SECRET-7" not in raw
        assert b"ACCESS-SECRET" not in raw


def test_repr_never_shows_secrets(ledger: Ledger, token_key: str) -> None:
    stored = ledger.swap_token("xero", "t", expected_version=None, token=token_set(3))

    for text in (repr(token_set(3)), repr(stored), str(stored)):
        assert "SECRET" not in text
    assert "version=1" in repr(stored)


def test_without_a_key_tokens_are_not_stored(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONCORD_TOKEN_KEY", raising=False)

    with pytest.raises(TokenKeyError, match="CONCORD_TOKEN_KEY is not set"):
        ledger.swap_token("xero", "t", expected_version=None, token=token_set())
    with ledger.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tokens)).scalar() == 0


def test_a_malformed_key_is_named_but_not_shown(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCORD_TOKEN_KEY", "not-a-fernet-key-hunter2")

    with pytest.raises(TokenKeyError) as caught:
        ledger.swap_token("xero", "t", expected_version=None, token=token_set())
    assert "hunter2" not in str(caught.value)


def test_the_wrong_key_cannot_read_and_says_so(
    ledger: Ledger, token_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.swap_token("xero", "t", expected_version=None, token=token_set())
    monkeypatch.setenv("CONCORD_TOKEN_KEY", Fernet.generate_key().decode())

    with pytest.raises(TokenKeyError, match="cannot be decrypted"):
        ledger.get_token("xero", "t")


def test_a_rotated_key_still_reads_old_tokens(
    ledger: Ledger, token_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.swap_token("xero", "t", expected_version=None, token=token_set())
    monkeypatch.setenv("CONCORD_TOKEN_KEY", f"{Fernet.generate_key().decode()},{token_key}")

    assert ledger.get_token("xero", "t").access_token == "ACCESS-SECRET-1"  # type: ignore[union-attr]


def test_naive_expiry_is_refused(ledger: Ledger, token_key: str) -> None:
    naive = TokenSet("a", "r", datetime(2024, 5, 1, 12, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.swap_token("xero", "t", expected_version=None, token=naive)
