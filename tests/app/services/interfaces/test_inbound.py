"""Inbound files (R-IF): 転出証明書情報 and online reservations, and the purge of unused ones."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from stdnum.jp import in_ as individual_number_rule

from madoguchi.app.context import FixedClock, ServiceContext
from madoguchi.app.domain.intake import Mover, Variant
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.domain.resident_code import check_digit
from madoguchi.app.services.intake.prefill import PrefillService
from madoguchi.app.services.interfaces import (
    InboundFileError,
    import_move_out_certificates,
    import_reservations,
    purge_unused_certificates,
)
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import (
    CertificatePerson,
    Draft,
    MoveInReservation,
    ReceivedMoveOutCertificate,
)
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import FIXED_NOW, context


def number(serial: int) -> str:
    """A check-digit-valid synthetic 個人番号 in a range the demo city never issues."""
    body = f"7{serial:010d}"
    return body + individual_number_rule.calc_check_digit(body)


def resident_code(serial: int) -> str:
    body = f"5{serial:09d}"
    return body + check_digit(body)


def family(certificate_id: str, serial: int, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "certificate_id": certificate_id,
        "from_municipality_code": "131016",
        "from_municipality": "東京都千代田区",
        "former_address": "東京都千代田区霞が関二丁目1番2号",
        "moving_to_address": "架空県みどり市本町一丁目1番2号",
        "planned_move_on": "2026-10-30",
        "householder_name": "試験　一郎",
        "persons": [
            {
                "family_name": "試験",
                "given_name": "一郎",
                "family_name_kana": "シケン",
                "given_name_kana": "イチロウ",
                "birth_date": "1980-02-17",
                "sex": "1",
                "relationship": "世帯主",
                "individual_number": number(serial),
                "resident_code": resident_code(serial),
                "honseki": "東京都千代田区千代田1番",
                "hittosha": "試験　一郎",
            },
            {
                "family_name": "試験",
                "given_name": "花子",
                "family_name_kana": "シケン",
                "given_name_kana": "ハナコ",
                "birth_date": "1982-05-05",
                "sex": "2",
                "relationship": "妻",
            },
        ],
    }
    record.update(changes)
    return record


def write_lines(path: Path, *lines: object) -> Path:
    text = "\n".join(
        line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines
    )
    path.write_text(text + "\n", encoding="utf-8")
    return path


def at(when: dt.datetime, role: Role = Role.ADMIN) -> ServiceContext:
    return ServiceContext(context(role).actor, "TEST-T01", FixedClock(when))


def bad_person(**changes: Any) -> dict[str, Any]:
    record = family("CERT-BAD", 9)
    record["persons"][1] = record["persons"][1] | changes
    return record


def test_good_records_are_imported_and_bad_ones_reported(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    wrong_digit = number(5)[:-1] + str((int(number(5)[-1]) + 1) % 10)
    path = write_lines(
        tmp_path / "certificates.jsonl",
        family("CERT-0001", 1),
        bad_person(birth_date="1982-13-05"),
        "",
        family("CERT-0002", 2),
        "{not json",
        family("CERT-0003", 3, from_municipality_code="131017"),
        family("CERT-0004", 4, planned_on="2026-10-30"),
        bad_person(sex="M"),
        bad_person(individual_number=wrong_digit),
        bad_person(family_name_kana="", individual_number=None),
        family("CERT-0005", 5, persons=[]),
    )
    report = import_move_out_certificates(operator, store, path)
    assert report.imported == ("CERT-0001", "CERT-0002")
    assert report.already == ()
    assert [(p.line, p.field) for p in report.problems] == [
        (2, "persons[2].birth_date（生年月日）"),
        (5, "（行全体）"),
        (6, "from_municipality_code（転出元市町村コード）"),
        (7, "planned_on"),
        (8, "persons[2].sex（性別）"),
        (9, "persons[2].individual_number（個人番号）"),
        (10, "persons[2].individual_number（個人番号）"),
        (11, "persons（異動者）"),
    ]
    assert str(report.problems[0]) == (
        "2行目 persons[2].birth_date（生年月日）: YYYY-MM-DD 形式の日付ではありません"
    )
    assert "チェックデジット" in report.problems[5].message
    assert all(wrong_digit not in str(p) for p in report.problems)  # never the value
    with store.transaction() as session:
        stored = session.get(ReceivedMoveOutCertificate, "CERT-0001")
        assert stored is not None and stored.received_at == FIXED_NOW
        assert [p["given_name"] for p in stored.persons] == ["一郎", "花子"]
        assert session.get(ReceivedMoveOutCertificate, "CERT-BAD") is None
        indexed = session.scalar(
            select(func.count()).where(
                CertificatePerson.certificate_id.in_(["CERT-0001", "CERT-0002"])
            )
        )
        assert indexed == 4
        [entry] = audit_entries(session, action="import_move_out_certificates")
    assert entry.detail["imported"] == ["CERT-0001", "CERT-0002"]
    assert [p["line"] for p in entry.detail["problems"]] == [2, 5, 6, 7, 8, 9, 10, 11]
    # The counter finds a mover of an imported certificate for a 特例転入.
    mover = Mover(family_name_kana="シケン", given_name_kana="ハナコ", birth_date="1982-05-05")
    found = PrefillService(store).certificates_for(context(Role.CLERK), mover)
    assert sorted(c.certificate_id for c in found) == ["CERT-0001", "CERT-0002"]


def test_importing_again_changes_nothing(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "a.jsonl", family("CERT-0001", 1), family("CERT-0002", 2))
    import_move_out_certificates(operator, store, path)
    again = import_move_out_certificates(operator, store, path)
    assert again.imported == () and again.already == ("CERT-0001", "CERT-0002")
    assert again.problems == ()
    changed = write_lines(
        tmp_path / "b.jsonl", family("CERT-0001", 1, householder_name="別人　太郎")
    )
    report = import_move_out_certificates(operator, store, changed)
    assert report.imported == () and [p.line for p in report.problems] == [1]
    assert "内容の異なる" in report.problems[0].message
    with store.transaction() as session:
        stored = session.get(ReceivedMoveOutCertificate, "CERT-0001")
        assert stored is not None and stored.householder_name == "試験　一郎"
        assert (
            session.scalar(
                select(func.count()).where(CertificatePerson.certificate_id == "CERT-0001")
            )
            == 2
        )


def test_a_file_that_cannot_be_read_imports_nothing(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    with pytest.raises(InboundFileError, match="読めません"):
        import_move_out_certificates(operator, store, tmp_path / "missing.jsonl")


def test_imports_and_purges_are_for_the_operator_role(store: LocalStore, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", family("CERT-0001", 1))
    for role in (Role.CLERK, Role.SUPERVISOR):
        with pytest.raises(PermissionDenied):
            import_move_out_certificates(context(role), store, path)
        with pytest.raises(PermissionDenied):
            purge_unused_certificates(context(role), store)


def reservation(reservation_id: str, serial: int, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "reservation_id": reservation_id,
        "kind": "move_in",
        "variant": "special_move_in",
        "planned_move_on": "2026-11-05",
        "visit_planned_on": "2026-11-06",
        "applicant_individual_number": number(serial),
        "previous_address": "東京都千代田区霞が関二丁目1番2号",
        "movers": family("x", serial)["persons"][:1],
    }
    record.update(changes)
    return record


def test_reservations_are_imported_and_prefill_the_form(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    path = write_lines(
        tmp_path / "reservations.jsonl",
        reservation("RSV-0001", 11),
        reservation("RSV-0002", 12, variant="move_out"),
        reservation("RSV-0003", 13, applicant_individual_number=None),
        reservation("RSV-0004", 14, kind="move_out", variant=None, moving_to_address="東京都港区"),
        reservation("RSV-0005", 15, visit_planned_on="来週"),
    )
    report = import_reservations(operator, store, path)
    assert report.imported == ("RSV-0001", "RSV-0004")
    assert [(p.line, p.field) for p in report.problems] == [
        (2, "variant（異動の区分）"),
        (3, "applicant_individual_number（届出人の個人番号）"),
        (5, "visit_planned_on（来庁予定日）"),
    ]
    with store.transaction() as session:
        stored = session.get(MoveInReservation, "RSV-0004")
        assert stored is not None and stored.kind == "move_out"
        assert stored.form["variant"] == "move_out"
        assert stored.received_at == FIXED_NOW
        [entry] = audit_entries(session, action="import_move_in_reservations")
    assert entry.detail["imported"] == ["RSV-0001", "RSV-0004"]
    again = import_reservations(operator, store, path)
    assert again.imported == () and again.already == ("RSV-0001", "RSV-0004")
    form = PrefillService(store).reservation_for(
        context(Role.CLERK), number(11), notified_on=FIXED_NOW.date()
    )
    assert form is not None and form.variant is Variant.SPECIAL_MOVE_IN
    assert form.previous_address == "東京都千代田区霞が関二丁目1番2号"
    assert [m.given_name for m in form.movers] == ["一郎"]


def draft(store: LocalStore, draft_id: str, status: str, certificate_id: str | None = None) -> None:
    with store.transaction() as session:
        session.add(
            Draft(
                draft_id=draft_id,
                kind="move_in",
                variant="special_move_in",
                status=status,
                maker_staff_no="S0001",
                terminal_id="TEST-T01",
                office="本庁舎 市民課",
                created_at=FIXED_NOW,
                updated_at=FIXED_NOW,
                revision=1,
                moved_on=None,
                notified_on=FIXED_NOW.date(),
                late=False,
                ex_officio=False,
                summary="特例転入",
                target_persons=[],
                form={"move_out_certificate_id": certificate_id},
                base_versions={},
                confirmed_alerts=[],
                status_reason=None,
                row_version=1,
            )
        )


def test_unused_certificates_are_purged_after_30_days_and_the_purge_is_logged(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    ids = ["CERT-UNUSED", "CERT-APPROVED", "CERT-OPEN", "CERT-REJECTED"]
    path = write_lines(tmp_path / "a.jsonl", *(family(i, n) for n, i in enumerate(ids, start=1)))
    import_move_out_certificates(operator, store, path)
    draft(store, "draft-approved", "approved")
    draft(store, "draft-open", "draft", certificate_id="CERT-OPEN")
    draft(store, "draft-rejected", "rejected")
    with store.transaction() as session:
        for certificate_id, draft_id in (
            ("CERT-APPROVED", "draft-approved"),
            ("CERT-REJECTED", "draft-rejected"),
        ):
            row = session.get(ReceivedMoveOutCertificate, certificate_id)
            assert row is not None
            row.used_by_draft_id = draft_id

    early = purge_unused_certificates(at(FIXED_NOW + dt.timedelta(days=30)), store)
    assert not set(early) & set(ids)  # received exactly 30 days ago: not yet
    later = FIXED_NOW + dt.timedelta(days=30, minutes=1)
    purged = purge_unused_certificates(at(later), store)
    assert set(purged) & set(ids) == {"CERT-UNUSED", "CERT-REJECTED"}
    with store.transaction() as session:
        unused = session.get(ReceivedMoveOutCertificate, "CERT-UNUSED")
        kept = session.get(ReceivedMoveOutCertificate, "CERT-APPROVED")
        assert unused is not None and kept is not None
        assert unused.purged_at == later and unused.persons == []
        assert unused.householder_name == "" and unused.former_address == ""
        assert unused.from_municipality == "東京都千代田区"  # who sent it stays, for the log
        assert kept.purged_at is None and len(kept.persons) == 2
        remaining = set(session.scalars(select(CertificatePerson.certificate_id)))
        assert remaining & set(ids) == {"CERT-APPROVED", "CERT-OPEN"}
        entries = audit_entries(session, action="purge_move_out_certificates")
    assert len(entries) == 2
    assert entries[-1].at == later
    assert entries[-1].detail["count"] == len(purged)
    assert entries[-1].detail["certificate_ids"] == purged
    assert "30日" in entries[-1].detail["rule"]
    # Purged data is gone from the counter, and a re-sent copy does not bring it back.
    mover = Mover(family_name_kana="シケン", given_name_kana="イチロウ", birth_date="1980-02-17")
    found = PrefillService(store).certificates_for(context(Role.CLERK), mover)
    assert {c.certificate_id for c in found} == {"CERT-APPROVED", "CERT-OPEN"}
    again = import_move_out_certificates(at(later), store, path)
    assert again.imported == () and "CERT-UNUSED" in again.already


def test_the_command_line_imports_delivers_and_purges(
    store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from madoguchi.app.services.interfaces.__main__ import main

    path = write_lines(tmp_path / "a.jsonl", family("CERT-CLI", 1), bad_person(sex="M"))
    common = ["--store", str(store.path), "--staff", "S0008"]
    store.engine.dispose()
    assert main(["import-certificates", *common, str(path)]) == 1
    out = capsys.readouterr().out
    assert "取込 1件" in out and "2行目 persons[2].sex（性別）" in out
    assert main(["deliver", *common, "--to", str(tmp_path / "out")]) == 0
    assert main(["status", *common]) == 0
    assert "juki_cs" in capsys.readouterr().out
    assert main(["purge", *common]) == 0
    assert (
        main(["import-certificates", "--store", str(store.path), "--staff", "S0001", str(path)])
        == 2
    )
    assert "権限がありません" in capsys.readouterr().err
