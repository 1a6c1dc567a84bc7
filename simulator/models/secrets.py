"""Password hashing for users and senders: the store never holds a password in clear text."""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

_ITERATIONS = 2_000  # a simulator, not a bank: enough to keep clear text out of the store, cheap per login


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${digest.hex()}"


@lru_cache(maxsize=4096)
def verify_secret(stored: str, given: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    check = hashlib.pbkdf2_hmac("sha256", given.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(check.hex(), digest)
