"""Loading the demo city into a real encrypted store."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from stdnum.jp import in_ as stdnum_in

from madoguchi.app.demo_city import identifiers
from madoguchi.app.demo_city.generate import DemoCity
from madoguchi.app.demo_city.load import (
    DemoStoreNotEmpty,
    DemoSummary,
    _install_reference_rows,
    build_demo_store,
)
from madoguchi.app.demo_city.segments import REGISTER_TABLES
from madoguchi.app.domain.change_reason import CHANGE_REASONS
from madoguchi.app.domain.resident_code import ResidentCode, check_digit
from madoguchi.app.reference_data import IDENTITY_DOCUMENTS, install_reference_data
from madoguchi.storage.migrations import upgrade_to_head
from madoguchi.storage.models import (
    AliasHistory,
    ChangeHistory,
    Household,
    IndividualItem,
    Person,
    RefChangeReason,
    RefIdentityDocument,
    RefTown,
    StaffMember,
    StoreMeta,
    Terminal,
)
from madoguchi.storage.store import LocalStore


def open_store(path: Path) -> LocalStore:
    store = LocalStore.open_with_key(path, secrets.token_hex(32))
    upgrade_to_head(store.engine)
    return store


def dump(store: LocalStore) -> dict[str, list[tuple[object, ...]]]:
    """Every register row, in storage order."""
    with store.engine.connect() as conn:
        return {
            t.name: list(conn.exec_driver_sql(f"SELECT * FROM {t.name} ORDER BY rowid"))
            for t in REGISTER_TABLES
        }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalStore, DemoSummary]:
    store = open_store(tmp_path_factory.mktemp("demo") / "t.db")
    calls: list[tuple[int, int]] = []
    summary = build_demo_store(store, persons=1200, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (1200, 1200)
    yield store, summary
    store.close()


def count(store: LocalStore, model: type[object]) -> int:
    with store.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_every_table_is_filled_and_matches_the_summary(
    loaded: tuple[LocalStore, DemoSummary],
) -> None:
    store, summary = loaded
    assert count(store, Person) == summary.persons == 1200
    assert count(store, Household) == summary.households
    assert count(store, ChangeHistory) == summary.change_history > 1200
    assert count(store, IndividualItem) == summary.individual_items > 0
    assert count(store, AliasHistory) == summary.alias_history > 0
    assert count(store, RefTown) == summary.towns
    assert count(store, StaffMember) == summary.staff
    assert count(store, Terminal) == 2
    assert count(store, RefChangeReason) == len(CHANGE_REASONS)
    assert count(store, RefIdentityDocument) == len(IDENTITY_DOCUMENTS)
    with store.transaction() as session:
        meta = {m.key: m.value for m in session.scalars(select(StoreMeta))}
    assert meta["persons"] == "1200" and meta["municipality_code"] == "99201"
    assert summary.current + summary.removed == 1200
    assert any("住民" in line for line in summary.lines())


def test_the_store_is_consistent_and_reads_back_through_the_models(
    loaded: tuple[LocalStore, DemoSummary],
) -> None:
    store, _ = loaded
    with store.engine.connect() as conn:
        assert list(conn.exec_driver_sql("PRAGMA foreign_key_check")) == []
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with store.transaction() as session:
        person = session.scalars(select(Person).where(Person.family_name == "齋藤")).first()
        assert person is not None and person.history
        assert person.household.members
        assert isinstance(person.has_gaiji, bool)
        assert person.history[0].processed_at.year >= 1900
        assert person.history[0].before is None


def indexes(store: LocalStore) -> dict[str, list[str]]:
    """Every index of the store and its columns."""
    with store.engine.connect() as conn:
        names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {
            name: [row[2] for row in conn.exec_driver_sql(f'PRAGMA index_info("{name}")')]
            for (name,) in list(names)
        }


def test_the_parallel_build_stores_exactly_what_the_serial_build_stores(tmp_path: Path) -> None:
    serial = open_store(tmp_path / "serial.db")
    parallel = open_store(tmp_path / "parallel.db")
    empty = open_store(tmp_path / "empty.db")
    try:
        build_demo_store(serial, persons=700, segment_persons=300, workers=1)
        build_demo_store(parallel, persons=700, segment_persons=300, workers=2)
        assert dump(serial) == dump(parallel)
        # The search indexes dropped for the bulk copy are all back, as the migration made them.
        assert indexes(serial) == indexes(parallel) == indexes(empty)
    finally:
        serial.close()
        parallel.close()
        empty.close()


def test_bulk_copy_stores_what_a_plain_core_insert_stores(tmp_path: Path) -> None:
    built, plain = open_store(tmp_path / "built.db"), open_store(tmp_path / "plain.db")
    try:
        build_demo_store(built, persons=300)
        city = DemoCity(persons=300)
        with plain.transaction() as session:
            _install_reference_rows(session, city)
            for household in city.households():
                parts = (
                    [household.household],
                    household.persons,
                    household.history,
                    household.individual_items,
                    household.alias_history,
                )
                for target, rows in zip(REGISTER_TABLES, parts, strict=True):
                    if rows:
                        session.execute(insert(target), rows)
        assert dump(built) == dump(plain)
    finally:
        built.close()
        plain.close()


class _FewResidentCodes:
    """Draws resident codes from a space of 400, so that segments clash."""

    @staticmethod
    def generate(rng: object) -> ResidentCode:
        assert hasattr(rng, "randrange")
        body = f"{rng.randrange(400):010d}"
        return ResidentCode(body + check_digit(body))


def test_numbers_drawn_again_by_a_later_segment_are_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identifiers, "ResidentCode", _FewResidentCodes)
    store = open_store(tmp_path / "clash.db")
    again = open_store(tmp_path / "again.db")
    try:
        build_demo_store(store, persons=600, segment_persons=200, workers=1)
        build_demo_store(again, persons=600, segment_persons=200, workers=1)
        with store.transaction() as session:
            codes = list(session.scalars(select(Person.resident_code)))
            numbers = [n for n in session.scalars(select(Person.individual_number)) if n]
        assert len(set(codes)) == len(codes) == 600
        assert all(code and ResidentCode.is_valid(code) for code in codes)
        assert sum(int(code) > 400 * 10 for code in codes if code) >= 200  # redrawn ones
        assert all(stdnum_in.is_valid(n) for n in numbers)
        assert dump(store) == dump(again)  # the replacements are reproducible
    finally:
        store.close()
        again.close()


def test_a_store_with_persons_is_refused(loaded: tuple[LocalStore, DemoSummary]) -> None:
    store, _ = loaded
    with pytest.raises(DemoStoreNotEmpty, match="すでに住民データ"):
        build_demo_store(store, persons=100)


def test_reference_data_installs_idempotently(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ref.db")
    try:
        for _ in range(2):
            with store.transaction() as session:
                install_reference_data(session)
        with store.transaction() as session:
            reasons = {r.code: r for r in session.scalars(select(RefChangeReason))}
            documents = {d.name: d.has_photo for d in session.scalars(select(RefIdentityDocument))}
        assert len(reasons) == len(CHANGE_REASONS)
        assert reasons["A03"].name == "出生" and reasons["B03"].category == "消除"
        assert documents["個人番号カード"] and documents["在留カード"]
        assert documents["運転経歴証明書"] and documents["特別永住者証明書"]
        assert not documents["健康保険証"] and not documents["学生証（写真なし扱い）"]
        assert not documents["公共料金の領収書"]
    finally:
        store.close()


def test_a_build_that_failed_before_any_person_can_run_again(tmp_path: Path) -> None:
    store = open_store(tmp_path / "retry.db")
    try:
        with store.transaction() as session:  # what a failed first attempt left behind
            _install_reference_rows(session, DemoCity(persons=100))
        assert build_demo_store(store, persons=100).persons == 100
        assert count(store, StaffMember) == len(DemoCity.staff_rows())
    finally:
        store.close()
