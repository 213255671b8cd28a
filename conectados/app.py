"""The environment a command runs in: settings, credentials, clock and database.

Built once per invocation from what the user passed (flags, variables, working
directory) and handed to every command, so tests build the same object with a
temporary database instead of patching modules.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from conectados.clock import Clock, SystemClock

if TYPE_CHECKING:
    from conectados.credentials import Credentials
    from conectados.db import Database
    from conectados.settings import Settings

# The settings, the credentials and the database are imported on first use: the command
# line builds an App before it knows whether the command (--help) needs any of them.


@dataclass
class App:
    """What every command needs; each part is made on first use."""

    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    cwd: Path = field(default_factory=Path.cwd)
    clock: Clock = field(default_factory=SystemClock)
    config_path: str | None = None
    database_override: str | None = None
    verbose: int = 0
    settings_loaded: Callable[[Settings], None] | None = None
    """Told the settings once they are read (the command line points its logs at them)."""

    @cached_property
    def settings(self) -> Settings:
        from conectados.settings import load_settings

        settings = load_settings(self.config_path, self.environ, self.cwd)
        if self.database_override is not None:
            settings = settings.with_database(self.database_override, self.cwd)
        if self.settings_loaded is not None:
            self.settings_loaded(settings)
        return settings

    @cached_property
    def credentials(self) -> Credentials:
        from conectados.credentials import Credentials

        return Credentials(self.environ)

    @cached_property
    def database(self) -> Database:
        from conectados.db import Database

        return Database(self.settings.database_url)

    def ready_database(self) -> Database:
        """The database, after checking its schema is the one this code expects."""
        self.database.check_current()
        return self.database

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.dispose()
