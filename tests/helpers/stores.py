"""Building encrypted stores for tests: an empty one, or the demo city at a small size."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import keyring

from madoguchi.app.context import Actor, FixedClock, ServiceContext
from madoguchi.app.domain.permissions import Role
from madoguchi.storage.store import KEYRING_SERVICE, LocalStore, keyring_username, load_key

FIXED_NOW = dt.datetime(2026, 11, 2, 10, 30, 0)


def build_demo(path: Path, persons: int = 1500, seed: int = 20261101) -> LocalStore:
    """A demo-city store at ``path`` with its key in the (test) keyring."""
    from madoguchi.app.demo_city.load import build_demo_store

    store = LocalStore.open(path, create=True)
    build_demo_store(store, persons=persons, seed=seed)
    return store


def copy_store(source: LocalStore, target: Path) -> LocalStore:
    """A private copy of a store (file and key), so a test may write to it."""
    source.engine.dispose()
    shutil.copyfile(source.path, target)
    key = load_key(source.path)
    assert key is not None
    keyring.set_password(KEYRING_SERVICE, keyring_username(target), key)
    return LocalStore.open(target)


def context(*roles: Role, staff_no: str = "T0001", terminal: str = "TEST-T01") -> ServiceContext:
    """A service context for a test actor with ``roles``, at a fixed time."""
    actor = Actor(
        staff_no=staff_no,
        name="試験 職員",
        office="本庁舎 市民課",
        roles=frozenset(roles or (Role.CLERK,)),
    )
    return ServiceContext(actor=actor, terminal_id=terminal, clock=FixedClock(FIXED_NOW))


TEST_PASSWORD = "correct-horse-battery-9"


def add_staff(
    store: LocalStore,
    staff_no: str,
    *roles: Role,
    password: str = TEST_PASSWORD,
    changed_on: dt.date | None = dt.date(2026, 4, 1),
    totp_secret: str | None = None,
    **fields: object,
) -> None:
    """Insert a staff account with an argon2id password hash (and TOTP when given)."""
    from madoguchi.app.services.passwords import hash_password
    from madoguchi.storage.models import StaffMember

    with store.transaction() as session:
        session.add(
            StaffMember(
                staff_no=staff_no,
                name=f"試験 {staff_no}",
                office="本庁舎 市民課",
                roles=[r.value for r in (roles or (Role.CLERK,))],
                valid_from=dt.date(2020, 4, 1),
                valid_until=None,
                disabled=False,
                password_hash=hash_password(password),
                password_changed_on=changed_on,
                failed_logins=0,
                second_factor="totp" if totp_secret else None,
                totp_secret=totp_secret,
                **fields,
            )
        )


def household_with_removed_member(store: LocalStore) -> str:
    """A household of the demo city with both current and removed (除票) members."""
    from sqlalchemy import func, select

    from madoguchi.storage.models import Person

    with store.transaction() as session:
        household_no = session.scalars(
            select(Person.household_no)
            .group_by(Person.household_no)
            .having(func.sum(Person.status == "removed") > 0)
            .having(func.sum(Person.status == "current") > 0)
        ).first()
    assert household_no, "the demo city has households with removed members"
    return household_no


def saito_birth_with_most_spellings(store: LocalStore) -> tuple[str, set[str]]:
    """The birth date shared by サイトウ persons of the most different spellings, and those."""
    from collections import defaultdict

    from sqlalchemy import select

    from madoguchi.storage.models import Person

    with store.transaction() as session:
        rows = session.execute(
            select(Person.birth_date, Person.family_name).where(
                Person.family_name_kana == "サイトウ"
            )
        ).all()
    spellings: dict[str, set[str]] = defaultdict(set)
    for birth, family in rows:
        spellings[birth].add(family)
    birth = max(spellings, key=lambda b: len(spellings[b]))
    assert len(spellings[birth]) >= 2, "the demo city plants サイトウ of several spellings"
    return birth, spellings[birth]
