"""Read credentials from the environment (or a file a variable names); never log them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from conectados.errors import ConfigError
from conectados.logs import Redactor, redactor
from conectados.userfiles import KB, UserFileError, read_user_text

FILE_SUFFIX = "_FILE"
MAX_CREDENTIAL_BYTES = 64 * KB


class Credentials:
    """Looks credentials up by variable name and registers each value with the redactor.

    `NAME` holds the value itself; `NAME_FILE` may instead name a file that holds it
    (how container secrets and systemd credentials are usually handed over).
    """

    def __init__(
        self, environ: Mapping[str, str] | None = None, redactor: Redactor = redactor
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._redactor = redactor

    def is_present(self, variable: str) -> bool:
        """Whether a value is available, without reading the file a variable may name."""
        if self._environ.get(variable):
            return True
        named = self._environ.get(variable + FILE_SUFFIX)
        return bool(named) and Path(named).is_file() and os.access(named, os.R_OK)

    def get(self, variable: str) -> str | None:
        """The credential's value, or None when the variable is not set."""
        value = self._environ.get(variable)
        if not value and self._environ.get(variable + FILE_SUFFIX):
            path = Path(self._environ[variable + FILE_SUFFIX])
            try:
                value = read_user_text(path, MAX_CREDENTIAL_BYTES, "un archivo con la credencial")
            except UserFileError as error:
                raise ConfigError(
                    f"no se pudo usar el archivo {path}: {error.problem}",
                    f"variable de entorno {variable + FILE_SUFFIX}",
                ) from None
            value = value.strip()
        if not value:
            return None
        self._redactor.register(value)
        return value

    def require(self, variable: str, purpose: str) -> str:
        """The credential's value, or a ConfigError that says which variable to set."""
        value = self.get(variable)
        if value is None:
            raise ConfigError(
                f"falta la credencial para {purpose}: defina la variable de entorno {variable} "
                f"(o {variable + FILE_SUFFIX} con la ruta de un archivo que la contenga)"
            )
        return value
