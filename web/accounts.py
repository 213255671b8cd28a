"""Accounts of the web office: add, list, disable, and sign in with a throttle.

Passwords are hashed with Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, one
lane: about 30 ms here) rather than argon2-cffi's default (64 MiB, 3 passes, 4 lanes: about
100 ms and 64 MiB per attempt), so a burst of sign-in attempts cannot take a small server's
memory; the throttle below bounds how many are tried. A wrong password counts against the account: after MAX_FAILURES in a row it is locked
for LOCK_MINUTES, doubling with each further failure up to a day; the lock is kept in the
database, so restarting the web office or running two of them does not reset it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from conectados.db import Database
from conectados.errors import BadInput
from web.models import Role, WebKey, WebUser

MAX_FAILURES = 5
LOCK_MINUTES = 5
LONGEST_LOCK = timedelta(days=1)
SHORTEST_PASSWORD = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,59}")
ROLE_NAMES = {
    Role.COMMUNICATIONS: "comunicaciones (calendario, revisión, avisos, informe)",
    Role.PQR: "pqr (radicados y respuestas de PQR)",
    Role.ADMIN: "admin (todo, y las cuentas)",
}

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_UNKNOWN_HASH = _hasher.hash(secrets.token_hex(16))
"""Checked against when the user does not exist, so a wrong name takes as long as a wrong
password (the answer's timing does not tell which accounts exist)."""


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in: what a request knows of its person."""

    id: int
    username: str
    name: str
    role: Role
    session_version: int

    @property
    def reviewer(self) -> str:
        """How decisions record this person (the CLI records the system user's name)."""
        return f"{self.name} ({self.username})"


class LoginRefused(Exception):
    """A sign-in that did not succeed; the message is safe to show."""


def check_username(username: str) -> str:
    value = username.strip().lower()
    if not USERNAME.fullmatch(value):
        raise BadInput(
            "el usuario debe tener de 2 a 60 caracteres: letras minúsculas sin tildes, "
            "números, punto, guion o guion bajo, y empezar por letra o número",
            "USUARIO",
            username[:60],
        )
    return value


def check_password(password: str) -> None:
    if len(password) < SHORTEST_PASSWORD:
        raise BadInput(
            f"la contraseña debe tener al menos {SHORTEST_PASSWORD} caracteres", "--contrasena"
        )
    if len(password) > 200:
        raise BadInput("la contraseña no puede pasar de 200 caracteres", "--contrasena")


def add_user(database: Database, username: str, name: str, role: Role, password: str) -> WebUser:
    username = check_username(username)
    check_password(password)
    name = " ".join(name.split())[:120] or username
    with database.session(write=True) as session:
        taken = session.execute(sa.select(WebUser.id).where(WebUser.username == username)).scalar()
        if taken is not None:
            raise BadInput(f"ya existe una cuenta «{username}»", "USUARIO", username)
        user = WebUser(
            username=username, name=name, role=role, password_hash=_hasher.hash(password)
        )
        session.add(user)
        session.flush()
        session.expunge(user)
    return user


def list_users(database: Database) -> list[WebUser]:
    with database.session() as session:
        users = list(session.execute(sa.select(WebUser).order_by(WebUser.username)).scalars())
        session.expunge_all()
    return users


def disable_user(database: Database, username: str) -> WebUser:
    """Disabled at once: the session cookies it holds stop working on their next request."""
    username = check_username(username)
    with database.session(write=True) as session:
        user = session.execute(
            sa.select(WebUser).where(WebUser.username == username)
        ).scalar_one_or_none()
        if user is None:
            raise BadInput(
                f"no hay ninguna cuenta «{username}»; vea «conectados usuarios list»",
                "USUARIO",
                username,
            )
        user.active = False
        user.session_version += 1
        session.flush()
        session.expunge(user)
    return user


def sign_in(database: Database, username: str, password: str, now: datetime) -> SignedIn:
    """The person, or LoginRefused with one sentence that does not say which part was wrong."""
    wrong = LoginRefused("usuario o contraseña incorrectos")
    name = username.strip().lower()[:60]
    with database.session(write=True) as session:
        user = session.execute(sa.select(WebUser).where(WebUser.username == name)).scalar()
        if user is None or not user.active:
            _verify(_UNKNOWN_HASH, password)
            raise wrong
        if user.locked_until is not None and user.locked_until > now:
            minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
            raise LoginRefused(
                f"demasiados intentos fallidos: espere {minutes} minuto"
                f"{'s' if minutes != 1 else ''} y vuelva a intentarlo, o pida a un administrador "
                "que revise la cuenta"
            )
        if not _verify(user.password_hash, password):
            user.failed_logins += 1
            over = user.failed_logins - MAX_FAILURES
            if over >= 0:
                user.locked_until = now + min(
                    LONGEST_LOCK, timedelta(minutes=LOCK_MINUTES * 2**over)
                )
            session.flush()
            refused = wrong
        else:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            return SignedIn(user.id, user.username, user.name, user.role, user.session_version)
    raise refused


def current_user(database: Database, user_id: int, session_version: int) -> SignedIn | None:
    """The person a session cookie names, if the account is still active and the cookie is
    of its current version (disabling an account ends its sessions)."""
    with database.transaction() as connection:
        row = connection.execute(
            sa.select(
                WebUser.id, WebUser.username, WebUser.name, WebUser.role, WebUser.active,
                WebUser.session_version,
            ).where(WebUser.id == user_id)
        ).first()  # fmt: skip
    if row is None or not row.active or row.session_version != session_version:
        return None
    return SignedIn(row.id, row.username, row.name, Role(row.role), row.session_version)


def session_secret(database: Database) -> str:
    """The database's signing key, made on first use (once, even by two processes at once)."""
    oldest = sa.select(WebKey.secret).order_by(WebKey.id).limit(1)
    with database.session(write=True) as session:
        if session.execute(oldest).scalar() is None:
            session.add(WebKey(secret=secrets.token_urlsafe(48)))
    with database.session() as session:  # the oldest wins if two processes made one at once
        return session.execute(oldest).scalar_one()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
