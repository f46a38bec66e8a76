"""Encryption of OAuth tokens at rest (Fernet: AES-128-CBC + HMAC-SHA256).

CONCORD_TOKEN_KEY holds one urlsafe-base64 32-byte key, or several separated by commas
for rotation: the first encrypts, every one of them decrypts. Without a key the ledger
refuses to store tokens at all rather than fall back to clear text.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from concord.ledger.errors import TokenKeyError

KEY_ENV = "CONCORD_TOKEN_KEY"


class TokenCipher:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise TokenKeyError(f"{KEY_ENV} is empty")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except (ValueError, TypeError):
            # never echo the key: say what is wrong with it, not what it is
            raise TokenKeyError(
                f"{KEY_ENV} is not a urlsafe-base64 32-byte Fernet key"
            ) from None

    @classmethod
    def from_env(cls, explicit: str | None = None) -> TokenCipher:
        keys = explicit if explicit is not None else os.environ.get(KEY_ENV)
        if not keys:
            raise TokenKeyError(
                f"{KEY_ENV} is not set: the ledger will not store OAuth tokens in clear text. "
                "Create a key with `python -c \"from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())\"` and keep it in your secret store."
            )
        return cls(keys)

    def seal(self, secret: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(secret, sort_keys=True).encode()).decode()

    def open(self, ciphertext: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(ciphertext.encode()))
        except InvalidToken:
            raise TokenKeyError(
                f"stored token cannot be decrypted with {KEY_ENV}: wrong key or altered data"
            ) from None
