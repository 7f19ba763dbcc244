"""ORM models of the customers database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase

__all__ = [
    "ACCOUNT_EMAIL_UNIQUE_CONSTRAINT",
    "ACCOUNT_USERNAME_UNIQUE_CONSTRAINT",
    "EMAIL_UNIQUE_CONSTRAINT",
    "AccountRecord",
    "Base",
    "CustomerRecord",
    "RefreshTokenRecord",
]

EMAIL_UNIQUE_CONSTRAINT = "uq_customers_email"
"""Name of the unique constraint on ``customers.email`` (emails are stored lower-cased)."""


class Base(ModelBase):
    """Declarative base of the customers database."""

    __abstract__ = True


class CustomerRecord(Base):
    """A row of ``customers``.

    ``email`` is stored lower-cased, so its unique constraint makes emails unique regardless of
    case. The address is either wholly absent (every ``address_*`` column NULL) or has
    ``line1``, ``city``, ``postal_code`` and ``country`` (ISO 3166-1 alpha-2); ``line2`` is
    optional. Times are UTC. Ids are never reused (SQLite ``AUTOINCREMENT``, PostgreSQL
    sequence), so an id a peer still holds can never name a different customer.
    """

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("email", name=EMAIL_UNIQUE_CONSTRAINT),
        # Ids are never reused, not even the highest after a delete: peers hold customer ids.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    address_line1: Mapped[str | None] = mapped_column(String(200), default=None)
    address_line2: Mapped[str | None] = mapped_column(String(200), default=None)
    address_city: Mapped[str | None] = mapped_column(String(100), default=None)
    address_postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    address_country: Mapped[str | None] = mapped_column(String(2), default=None)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp()
    )


ACCOUNT_USERNAME_UNIQUE_CONSTRAINT = "uq_accounts_username"
"""Name of the unique constraint on ``accounts.username`` (usernames are stored lower-cased)."""

ACCOUNT_EMAIL_UNIQUE_CONSTRAINT = "uq_accounts_email"
"""Name of the unique constraint on ``accounts.email`` (emails are stored lower-cased)."""


class AccountRecord(Base):
    """A row of ``accounts``: a login, a staff member's or a customer's.

    ``username`` and ``email`` are stored lower-cased, so their unique constraints make them
    unique regardless of case. ``password_hash`` is an argon2id PHC string (never returned or
    logged). ``roles`` holds the role names separated by single spaces, sorted (``admin``,
    ``clerk``, ``customer``). ``customer_id`` links a customer's login to its customer (at most
    one login per customer; deleting the customer deletes the login). ``failed_logins`` counts
    consecutive failures; ``locked_until`` (UTC) refuses logins until then.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("username", name=ACCOUNT_USERNAME_UNIQUE_CONSTRAINT),
        UniqueConstraint("email", name=ACCOUNT_EMAIL_UNIQUE_CONSTRAINT),
        UniqueConstraint("customer_id", name="uq_accounts_customer_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), default=None
    )
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def role_names(self) -> frozenset[str]:
        """The account's roles, as a set of names."""
        return frozenset(self.roles.split())


class RefreshTokenRecord(Base):
    """A row of ``refresh_tokens``: one issued refresh token, stored as its SHA-256 only.

    Tokens rotate: a refresh revokes the presented token (``revoked_at``, ``replaced_by`` the
    new token's id) and issues a new one in the same ``family_id`` (one family per login).
    Presenting a revoked token again revokes the whole family. Times are UTC.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    replaced_by: Mapped[int | None] = mapped_column(
        ForeignKey("refresh_tokens.id", ondelete="SET NULL"), default=None
    )
