"""Tables of the web office: the people who may sign in, and the key that signs their sessions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from conectados.db import UTCDateTime, enum_column, utcnow
from conectados.orm import SQLModel


class Role(enum.StrEnum):
    """What a person may do in the web office (`web.roles`)."""

    COMMUNICATIONS = "comunicaciones"
    PQR = "pqr"
    ADMIN = "admin"


class WebUser(SQLModel, table=True):
    """A person of the company who signs in to the web office."""

    __tablename__ = "web_user"
    __table_args__ = (sa.UniqueConstraint("username"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60)
    name: str = Field(max_length=120)
    role: Role = Field(sa_type=enum_column(Role))
    password_hash: str = Field(max_length=200)
    active: bool = True
    session_version: int = 1
    """Raised when the account is disabled, its password changes or it signs out: the
    cookies signed with an older version stop working."""
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebKey(SQLModel, table=True):
    """The secret that signs session cookies: made once per database, so every instance of
    the web office that shares the database accepts the same sessions."""

    __tablename__ = "web_key"

    id: int | None = Field(default=None, primary_key=True)
    secret: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
