"""Writing the centre's row images into the local replica.

Images come from the change log (pull), from the centre's answer to a refused or conflicting
op (restore), and from a bootstrap of the small tables. The centre wins, except for an
entity that a local op still waiting for the centre's answer touches: its local state is
ahead and stays until that answer (``Touched``). Nothing here commits; callers run it
inside their own transaction.

A 支援措置 travels as one image (``measure``: its row with ``persons`` and ``perpetrators``);
its persons and 加害者 are replaced as a whole, under this terminal's own row ids. 発行抑止
(``hold``) and 一時解除 (``release``) are plain rows. Sync never removes a measure or hold
on its own: a refused registration stays here (and shows as a refusal) rather than take a
protection away.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Table, delete, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from madoguchi.storage.models import (
    ChangeHistory,
    Draft,
    Household,
    InterfaceRecord,
    IssuanceHold,
    Person,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
    ProtectionRelease,
    StaffMember,
    Terminal,
)
from madoguchi.storage.sync import meta

log = logging.getLogger(__name__)

# Columns of a local staff row that the centre owns; the rest (password hash, TOTP secret,
# failed-login count) stay on the terminal.
STAFF_SYNCED = (
    "name",
    "office",
    "roles",
    "valid_from",
    "valid_until",
    "disabled",
    "locked_at",
    "second_factor",
    "password_changed_on",
    "atena_no",
    "row_version",
)


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Entity name in the change log → local table and key.
TABLES: dict[str, tuple[Table, str]] = {
    "person": (_table(Person), "atena_no"),
    "household": (_table(Household), "household_no"),
    "draft": (_table(Draft), "draft_id"),
    "staff": (_table(StaffMember), "staff_no"),
    "terminal": (_table(Terminal), "terminal_id"),
    "measure": (_table(ProtectionMeasure), "measure_id"),
    "hold": (_table(IssuanceHold), "hold_id"),
    "release": (_table(ProtectionRelease), "release_id"),
}
# Tables a bootstrap copies after the bulk ones, through ``upsert``: (table, entity, key).
# Measures come from the centre's view of them with their persons and 加害者 (one image each).
SMALL_TABLES: tuple[tuple[str, str, str], ...] = (
    ("staff", "staff", "staff_no"),
    ("terminals", "terminal", "terminal_id"),
    ("protection_measure_images", "measure", "measure_id"),
    ("issuance_holds", "hold", "hold_id"),
    ("protection_releases", "release", "release_id"),
)


def local_values(table: Table, image: dict[str, Any]) -> dict[str, Any]:
    """The image's values for ``table``'s columns, as the column types want them."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.key not in image:
            continue
        value = image[column.key]
        if value is not None:
            if isinstance(column.type, DateTime) and isinstance(value, str):
                value = dt.datetime.fromisoformat(value).replace(tzinfo=None)
            elif isinstance(column.type, Date) and isinstance(value, str):
                value = dt.date.fromisoformat(value[:10])
            elif isinstance(column.type, Boolean):
                value = bool(value)
        values[column.key] = value
    return values


def upsert(session: Session, entity: str, image: dict[str, Any]) -> None:
    """Insert or update one person, household, draft, staff member, terminal, 支援措置,
    発行抑止 or 一時解除."""
    table, key = TABLES[entity]
    values = local_values(table, image)
    if entity == "staff":
        updates = {k: v for k, v in values.items() if k in STAFF_SYNCED}
        statement = insert(table).values(failed_logins=0, **values)
    else:
        updates = {k: v for k, v in values.items() if k != key}
        statement = insert(table).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=[key], set_=updates))
    if entity == "measure":
        _measure_parts(session, str(image[key]), image)


def _measure_parts(session: Session, measure_id: str, image: dict[str, Any]) -> None:
    """Replace a measure's persons and 加害者 with the image's (when it carries them)."""
    for name, model in (("persons", ProtectedPerson), ("perpetrators", ProtectionPerpetrator)):
        rows = image.get(name)
        if not isinstance(rows, list):
            continue
        table = _table(model)
        session.execute(delete(table).where(table.c.measure_id == measure_id))
        for row in rows:
            values = local_values(table, row)
            values.pop("id", None)
            session.execute(insert(table).values(**values, measure_id=measure_id))


def add_history(session: Session, image: dict[str, Any]) -> None:
    """Add a history entry unless this person already has the one of this 処理ID."""
    exists = session.scalar(
        select(ChangeHistory.id).where(
            ChangeHistory.atena_no == image["atena_no"],
            ChangeHistory.process_id == image["process_id"],
        )
    )
    if exists is None:
        values = local_values(_table(ChangeHistory), image)
        values.pop("id", None)
        session.execute(insert(_table(ChangeHistory)).values(**values))


def apply_change(session: Session, change: dict[str, Any]) -> None:
    """Apply one change-log entry (the caller has decided it is not held back)."""
    entity, image = change["entity"], change.get("image")
    if image is None:
        return
    if entity == "history":
        add_history(session, image)
    elif entity == "conflict":
        _conflict_changed(session, image)
    elif entity in TABLES:
        upsert(session, entity, image)
    else:
        log.warning("change of unknown entity %r ignored (seq %s)", entity, change.get("seq"))


def _conflict_changed(session: Session, image: dict[str, Any]) -> None:
    """A conflict at the centre changed state: update this terminal's record of it."""
    key = meta.PROBLEM_PREFIX + str(image.get("op_id"))
    record = meta.get_json(session, key)
    if record is None:
        return
    record["status"] = image.get("status", record.get("status"))
    record["resolution"] = image.get("resolution")
    record["resolved_by"] = image.get("resolved_by")
    meta.set_json(session, key, record)


def restore(session: Session, images: dict[str, Any], process_id: str | None) -> None:
    """Put the centre's state back for what a refused or conflicting op touched.

    Rows the centre never had (a newcomer of a refused move-in) are removed with the
    history entries this op wrote; they never were part of the register.
    """
    for image in images.get("households") or ():
        if not image.get("absent"):
            upsert(session, "household", image)
    for image in images.get("persons") or ():
        atena_no = image["atena_no"]
        if process_id is not None:
            session.execute(
                delete(ChangeHistory).where(
                    ChangeHistory.atena_no == atena_no, ChangeHistory.process_id == process_id
                )
            )
        if image.get("absent"):
            if session.scalar(select(ChangeHistory.id).where(ChangeHistory.atena_no == atena_no)):
                continue
            session.execute(delete(Person).where(Person.atena_no == atena_no))
        else:
            upsert(session, "person", image)
    for image in images.get("households") or ():
        number = image["household_no"]
        if image.get("absent") and not session.scalar(
            select(Person.atena_no).where(Person.household_no == number).limit(1)
        ):
            session.execute(delete(Household).where(Household.household_no == number))
    for entity in ("staff", "terminal", "measure", "hold", "release"):
        image = images.get(entity)
        if isinstance(image, dict) and not image.get("absent"):
            upsert(session, entity, image)
    draft = images.get("draft")
    if isinstance(draft, dict):
        upsert(session, "draft", draft)
    if isinstance(draft, dict) and process_id is not None:
        # Records the refused approval queued locally were never the centre's.
        session.execute(
            update(InterfaceRecord)
            .where(
                InterfaceRecord.draft_id == draft["draft_id"], InterfaceRecord.status == "pending"
            )
            .values(status="failed", failure_reason="センターで決裁が成立しなかったため無効")
        )
