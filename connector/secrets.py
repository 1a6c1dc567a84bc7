"""Secrets that cannot leak: repr/str never show the value, and they come from env or files, never code."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from intacct_harness.connector.errors import SettingsError


class Secret:
    """A password or session id: ``reveal()`` is the only way to the value, so logs and tracebacks stay clean."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def read_secret(*, env: str | None, file: str | Path | None, environ: Mapping[str, str] | None = None,
                what: str) -> Secret:
    """The secret from the environment variable ``env`` or else the first line of ``file``."""
    environ = os.environ if environ is None else environ
    if env and environ.get(env):
        return Secret(environ[env])
    if file:
        path = Path(file)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(f"{what}: cannot read secrets file {path} ({exc.strerror})") from None
        if value:
            return Secret(value)
        raise SettingsError(f"{what}: secrets file {path} is empty")
    raise SettingsError(f"{what} is not set: put it in the environment variable {env}"
                        + (f" or the secrets file {file}" if file else " or a secrets file"))
