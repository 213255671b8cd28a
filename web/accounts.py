"""Accounts of the web office: add, list, disable, and sign in with a throttle.

Passwords are hashed with Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, one
lane: about 30 ms here) rather than argon2-cffi's default (64 MiB, 3 passes, 4 lanes: about
100 ms and 64 MiB per attempt), so a burst of sign-in attempts cannot take a small server's
memory; at most four are checked at once, and five wrong passwords in a row lock the account
(or the name that is no account) for a while. A wrong password counts against the account: after MAX_FAILURES in a row it is locked
for LOCK_MINUTES, doubling with each further failure up to a day; the lock is kept in the
database, so restarting the web office or running two of them does not reset it.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict, deque
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
        raise BadInput("la contraseña no puede pasar de 200 caracteres", "contraseña")


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
    return _change(database, username, active=False, new_sessions=True)


def sign_in(database: Database, username: str, password: str, now: datetime) -> SignedIn:
    """The person, or LoginRefused with one sentence that does not say which part was wrong.

    The password is checked outside any transaction (it takes ~30 ms and 19 MiB: the
    daemon's writes must not wait for it), at most `CHECKS_AT_ONCE` at a time; the failure
    count is then raised in one short UPDATE, so two wrong attempts at once both count. A
    name that is no account fails and locks the same way (counted in memory), so the lock
    tells no one which accounts exist."""
    wrong = LoginRefused("usuario o contraseña incorrectos")
    name = username.strip().lower()[:60]
    with database.transaction() as connection:
        user = connection.execute(
            sa.select(
                WebUser.id, WebUser.password_hash, WebUser.active, WebUser.locked_until,
                WebUser.name, WebUser.role, WebUser.session_version,
            ).where(WebUser.username == name)
        ).first()  # fmt: skip
    if user is None or not user.active:
        locked_until = _unknown.locked_until(name)
        if locked_until is not None and locked_until > now:
            raise _locked(locked_until, now)
        with _checking:
            _verify(_UNKNOWN_HASH, password)
        _unknown.failed(name, now)
        raise wrong
    if user.locked_until is not None and user.locked_until > now:
        raise _locked(user.locked_until, now)
    with _checking:
        right = _verify(user.password_hash, password)
        fresh_hash = (
            _hasher.hash(password)
            if right and _hasher.check_needs_rehash(user.password_hash)
            else None
        )
    table = WebUser.__table__
    with database.transaction(write=True) as connection:
        if not right:
            failures = connection.execute(
                sa.update(table)
                .where(table.c.id == user.id)
                .values(failed_logins=table.c.failed_logins + 1)
                .returning(table.c.failed_logins)
            ).scalar_one()
            over = failures - MAX_FAILURES
            if over >= 0:
                connection.execute(
                    sa.update(table)
                    .where(table.c.id == user.id)
                    .values(locked_until=now + _lock_for(over))
                )
        else:
            values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if fresh_hash is not None:
                values["password_hash"] = fresh_hash
            connection.execute(sa.update(table).where(table.c.id == user.id).values(**values))
    if not right:
        raise wrong
    return SignedIn(user.id, name, user.name, Role(user.role), user.session_version)


def _lock_for(over: int) -> timedelta:
    return min(LONGEST_LOCK, timedelta(minutes=LOCK_MINUTES * 2 ** min(over, 20)))


def _locked(until: datetime, now: datetime) -> LoginRefused:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return LoginRefused(
        f"demasiados intentos fallidos: espere {minutes} minuto"
        f"{'s' if minutes != 1 else ''} y vuelva a intentarlo, o pida a un administrador "
        "que revise la cuenta"
    )


class _UnknownNames:
    """Failures of names that are no account, in memory and bounded: the oldest name is
    forgotten first. Enough to make them lock like accounts do; not kept across restarts."""

    MOST = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, tuple[int, datetime | None]] = OrderedDict()

    def locked_until(self, name: str) -> datetime | None:
        with self._lock:
            return self._seen.get(name, (0, None))[1]

    def failed(self, name: str, now: datetime) -> None:
        with self._lock:
            failures = self._seen.pop(name, (0, None))[0] + 1
            over = failures - MAX_FAILURES
            self._seen[name] = (failures, now + _lock_for(over) if over >= 0 else None)
            while len(self._seen) > self.MOST:
                self._seen.popitem(last=False)


_unknown = _UnknownNames()
CHECKS_AT_ONCE = 4
_checking = threading.BoundedSemaphore(CHECKS_AT_ONCE)
"""At most this many password checks at once (each takes 19 MiB): a burst of attempts
waits its turn instead of taking the server's memory."""


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


def end_sessions(database: Database, user_id: int) -> None:
    """Every open session of this account ends (signing out: a copied cookie stops working)."""
    table = WebUser.__table__
    with database.transaction(write=True) as connection:
        connection.execute(
            sa.update(table)
            .where(table.c.id == user_id)
            .values(session_version=table.c.session_version + 1)
        )


def enable_user(database: Database, username: str) -> WebUser:
    """Active again and unlocked (after `disable_user`, or a lock by wrong passwords)."""
    return _change(database, username, active=True, failed_logins=0, locked_until=None)


def set_password(database: Database, username: str, password: str) -> WebUser:
    """A new password: unlocked, and every open session of the account ends."""
    check_password(password)
    return _change(
        database,
        username,
        password_hash=_hasher.hash(password),
        failed_logins=0,
        locked_until=None,
        new_sessions=True,
    )


def _change(database: Database, username: str, new_sessions: bool = False, **values) -> WebUser:
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
        for name, value in values.items():
            setattr(user, name, value)
        if new_sessions:
            user.session_version += 1
        session.flush()
        session.expunge(user)
    return user


class ClientFailures:
    """Failed sign-ins per client address in a sliding window, in memory and bounded: past
    `MOST` in `WINDOW`, that address is refused until older failures leave the window, so no
    one guesses passwords across many names (each account also locks on its own). Behind the
    HTTPS proxy the address is the citizen's one the proxy forwards (uvicorn's proxy headers)."""

    MOST = 20
    WINDOW = timedelta(minutes=10)
    CLIENTS = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, deque[datetime]] = OrderedDict()

    def over(self, client: str, now: datetime) -> bool:
        with self._lock:
            times = self._seen.get(client)
            while times and times[0] <= now - self.WINDOW:
                times.popleft()
            return bool(times) and len(times) >= self.MOST

    def failed(self, client: str, now: datetime) -> None:
        with self._lock:
            times = self._seen.pop(client, None) or deque(maxlen=self.MOST)
            times.append(now)
            self._seen[client] = times
            while len(self._seen) > self.CLIENTS:
                self._seen.popitem(last=False)
