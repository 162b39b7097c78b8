"""Issuing certificates (R-CERT-1…8), the PDFs read back with poppler like a printer would."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from madoguchi.app.context import FixedClock
from madoguchi.app.domain.certificates import (
    DEFAULT_ITEMS,
    CertificateKind,
    CertificateRefused,
    Delivery,
    Layout,
    OptionalItem,
    RequesterKind,
    Scope,
)
from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.certificates import CertificateService, PrintBlocked, render_preview
from madoguchi.app.services.intake import MoveWithinService
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import CertificateCopy, CertificateIssue, OutboxEntry, Person
from madoguchi.storage.store import LocalStore
from tests.app.services.certificates.conftest import (
    BRANCH_CLERK,
    CLERK,
    family,
    full_name,
    requester_self,
    resident_copy,
    write,
)
from tests.app.services.intake.conftest import identity, mover_of, new_address
from tests.helpers.pdf import fonts, page_count, pdf_text, squash
from tests.helpers.stores import FIXED_NOW, context, household_with_removed_member

ISSUED_ON = "令和8年11月2日"
COPY_CERTIFICATION = "この写しは、住民票の原本と相違ないことを証明する。"
REMOVED_CERTIFICATION = "この写しは、住民票の除票の原本と相違ないことを証明する。"


def takahashi(store: LocalStore) -> list[Person]:
    """The planted 髙橋 household: all three moved out together (国内転出)."""
    with store.transaction() as session:
        head = session.scalars(
            select(Person).where(
                Person.family_name == "髙橋",
                Person.given_name == "大輔",
                Person.status == "removed",
            )
        ).one()
        persons = list(
            session.scalars(select(Person).where(Person.household_no == head.household_no))
        )
    assert len(persons) == 3 and all(p.status == "removed" for p in persons)
    return persons


def test_a_household_copy_prints_everyone_in_order_with_its_certification(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 5)
    issued = service.issue(CLERK, resident_copy(home.head))
    path = write(tmp_path, issued.pdf)
    text = squash(pdf_text(path))

    assert "住民票の写し" in text
    assert squash(home.head.address) in text
    for member in home.members:
        assert full_name(member) in text
    assert text.index(full_name(home.head)) < min(text.index(full_name(m)) for m in home.others)
    assert ISSUED_ON in text
    assert "架空県みどり市長緑川一郎" in text
    assert "省略" in text
    (number,) = issued.issue_numbers
    assert number.startswith("20261102 架空県みどり市 本庁舎市民課 DEMO-T01 PRN01 ")
    pages = page_count(path)
    assert issued.pages == (pages,)
    for page in range(1, pages + 1):
        page_text = squash(pdf_text(path, "-f", str(page), "-l", str(page)))
        assert squash(f"{number} {page}/{pages}") in page_text
        # The certification is printed once, on the last page only (j1000).
        assert (COPY_CERTIFICATION in page_text) == (page == pages)
    for member in home.members:
        assert member.individual_number and member.individual_number not in text
        assert member.resident_code and member.resident_code not in text


def test_every_font_is_embedded_as_a_subset(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 2)
    path = write(tmp_path, service.issue(CLERK, resident_copy(home.head)).pdf)
    rows = fonts(path)
    assert {row["name"].split("+")[1] for row in rows} == {"IPAexMincho", "IPAexGothic"}
    for row in rows:
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes")


def test_the_person_who_asks_gets_the_individual_number(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 2, offset=1)
    items = DEFAULT_ITEMS | {OptionalItem.INDIVIDUAL_NUMBER, OptionalItem.HONSEKI}
    preview = service.preview(CLERK, resident_copy(home.head, items=items))
    preview_text = squash(pdf_text(write(tmp_path, render_preview(preview), "preview.pdf")))
    # The preview is a 見本 and never shows the number (R-MASK-3).
    assert all(copy.specimen for copy in preview.copies) and "●●●●" in preview_text
    assert "（交付時に採番）" in preview_text
    assert home.head.individual_number not in preview_text

    issued = service.issue(CLERK, resident_copy(home.head, items=items))
    text = squash(pdf_text(write(tmp_path, issued.pdf)))
    for member in home.members:
        assert member.individual_number in text
        assert squash(member.honseki or "") in text
    assert issued.individual_number_printed and issued.delivery is Delivery.COUNTER
    with store.transaction() as session:
        row = session.get(CertificateIssue, issued.issue_id)
        assert row is not None and row.individual_number_printed
        entry = audit_entries(session, action="issue_certificate")[-1]
        assert entry.detail["individual_number_printed"] is True
        assert entry.detail["issue_numbers"] == list(issued.issue_numbers)


def test_a_third_party_asking_for_the_number_is_refused_and_audited(
    store: LocalStore, service: CertificateService
) -> None:
    home = family(store, 3)
    stranger = requester_self(
        home.head,
        kind=RequesterKind.THIRD_PARTY,
        atena_no=None,
        name="債権　回収",
        reason="貸金返還請求訴訟の提起のため",
    )
    request = resident_copy(
        home.head, requester=stranger, items=DEFAULT_ITEMS | {OptionalItem.INDIVIDUAL_NUMBER}
    )
    with pytest.raises(CertificateRefused, match="第三者からの請求では個人番号を記載できません"):
        service.preview(CLERK, request)
    with store.transaction() as session:
        entry = audit_entries(session, action="certificate_refused")[-1]
        assert "個人番号" in entry.detail["reason"] and entry.purpose == stranger.reason
    # Without the number the third party's stated reason is enough.
    allowed = dataclasses.replace(request, items=DEFAULT_ITEMS)
    assert service.preview(CLERK, allowed).fee == 300


def test_an_agent_asking_for_the_number_gets_a_copy_for_mailing(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 3, offset=1)
    agent = requester_self(
        home.head,
        kind=RequesterKind.AGENT,
        name="代理　一郎",
        atena_no=None,
        principal_atena_no=home.head.atena_no,
        power_of_attorney=True,
    )
    request = resident_copy(
        home.head, requester=agent, items=DEFAULT_ITEMS | {OptionalItem.INDIVIDUAL_NUMBER}
    )
    preview = service.preview(CLERK, request)
    assert preview.delivery is Delivery.MAIL_TO_PRINCIPAL
    assert preview.mail_to is not None and preview.mail_to.startswith(home.head.address)
    assert "郵送" in preview.delivery_note
    issued = service.issue(CLERK, request)
    assert issued.delivery is Delivery.MAIL_TO_PRINCIPAL
    with store.transaction() as session:
        row = session.get(CertificateIssue, issued.issue_id)
        assert row is not None and row.delivery == "mail_to_principal"
        assert row.requester_kind == "agent" and row.requester_name == "代理　一郎"


def test_a_pending_draft_is_never_reflected(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 2, offset=2)
    destination = new_address(store, "77-7", katagaki="仮登録ハイツ101")
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=FIXED_NOW.date() - dt.timedelta(days=1),
        notified_on=FIXED_NOW.date(),
        movers=tuple(mover_of(m) for m in home.members),
        destination=destination,
        identity_check=identity(),
    )
    MoveWithinService(store).save(context(Role.CLERK, staff_no="S0002"), form)
    text = squash(pdf_text(write(tmp_path, service.issue(CLERK, resident_copy(home.head)).pdf)))
    assert squash(home.head.address) in text
    assert "仮登録ハイツ" not in text and "77番7号" not in text


def test_a_removed_copy_uses_the_removed_wording(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    persons = takahashi(store)
    head = next(p for p in persons if p.relationship == "世帯主")
    request = resident_copy(head, kind=CertificateKind.REMOVED_COPY)
    text = squash(pdf_text(write(tmp_path, service.issue(CLERK, request).pdf)))
    assert "住民票の除票の写し" in text and REMOVED_CERTIFICATION in text
    assert COPY_CERTIFICATION not in text
    assert all(full_name(p) in text for p in persons)
    assert "国内転出" in text and squash(head.move_out_planned_address or "-") in text
    # A current resident's copy of a removed person is refused with the way out.
    with pytest.raises(CertificateRefused, match="除票の写しを請求"):
        service.preview(CLERK, resident_copy(head))


def test_a_move_out_certificate_and_its_reissue(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    persons = takahashi(store)
    head = next(p for p in persons if p.relationship == "世帯主")
    issued = service.issue(CLERK, resident_copy(head, kind=CertificateKind.MOVE_OUT))
    text = squash(pdf_text(write(tmp_path, issued.pdf)))
    assert "転出証明書" in text and "上記の者から転出の届出があったことを証明する。" in text
    assert squash(head.move_out_planned_address or "-") in text
    assert "転出予定年月日" in text and head.resident_code in text
    again = service.issue(CLERK, resident_copy(head, kind=CertificateKind.MOVE_OUT_REISSUE))
    assert "転出証明書（再交付）" in squash(pdf_text(write(tmp_path, again.pdf, "again.pdf")))
    home = family(store, 1)
    with pytest.raises(CertificateRefused, match="転出（国内転出）がない"):
        service.preview(CLERK, resident_copy(home.head, kind=CertificateKind.MOVE_OUT))


def test_the_issuance_log_holds_every_item(store: LocalStore, service: CertificateService) -> None:
    home = family(store, 3, offset=2)
    items = DEFAULT_ITEMS | {OptionalItem.RESIDENT_CODE}
    issued = service.issue(CLERK, resident_copy(home.head, items=items, copies=2))
    with store.transaction() as session:
        row = session.get(CertificateIssue, issued.issue_id)
        assert row is not None
        assert row.issued_at == FIXED_NOW
        assert (row.office, row.terminal_id, row.staff_no) == ("本庁舎 市民課", "DEMO-T01", "S0001")
        assert row.requester_kind == "self" and row.kind == "resident_copy"
        assert set(row.target_persons) == {m.atena_no for m in home.members}
        assert set(row.items) == {"householder", "resident_code", "previous_address"}
        assert row.individual_number_printed is False and row.resident_code_printed is True
        assert row.copies == 2 and row.fee == 600 and row.official is False
        assert row.issue_numbers == list(issued.issue_numbers) and len(set(row.issue_numbers)) == 2
        assert row.data_as_of == "2026-11-01"
        copies = session.scalars(
            select(CertificateCopy).where(CertificateCopy.issue_id == row.issue_id)
        ).all()
        assert [c.issue_no for c in copies] == row.issue_numbers
        op = session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.op_type == "issue_certificate")
            .order_by(OutboxEntry.seq.desc())
        ).first()
        assert op is not None and op.payload["issue_id"] == row.issue_id
        assert op.payload["individual_number_printed"] is False


def test_a_reprint_gets_new_numbers_and_disposes_of_the_first(
    store: LocalStore, service: CertificateService
) -> None:
    home = family(store, 2, offset=3)
    first = service.issue(CLERK, resident_copy(home.head))
    again = service.reprint(CLERK, first.issue_id, reason="用紙詰まり")
    assert set(first.issue_numbers).isdisjoint(again.issue_numbers)
    assert again.fee == 0
    with store.transaction() as session:
        original = session.get(CertificateIssue, first.issue_id)
        reprint = session.get(CertificateIssue, again.issue_id)
        assert original is not None and original.disposed_at is not None
        assert "用紙詰まり" in (original.disposal_reason or "")
        assert reprint is not None and reprint.reprint_of == first.issue_id
    log = service.issuance_log(CLERK, atena_no=home.head.atena_no)
    assert [r.issue_id for r in log[:2]] == [again.issue_id, first.issue_id]
    assert log[1].disposed and not log[0].disposed


def test_issue_numbers_stay_unique_across_terminals(
    store: LocalStore, service: CertificateService
) -> None:
    main, branch = family(store, 1, offset=1), family(store, 1, offset=2)
    at_main = service.issue(CLERK, resident_copy(main.head, copies=3))
    at_branch = service.issue(BRANCH_CLERK, resident_copy(branch.head, copies=3))
    assert at_branch.issue_numbers[0].endswith(" 0001")  # the branch's first today
    assert len(set(at_main.issue_numbers)) == 3
    assert set(at_main.issue_numbers).isdisjoint(at_branch.issue_numbers)
    assert " DEMO-T02 " in at_branch.issue_numbers[0] and "北支所" in at_branch.issue_numbers[0]
    with store.transaction() as session:
        numbers = list(session.scalars(select(CertificateCopy.issue_no)))
    assert len(numbers) == len(set(numbers))


def test_individual_sheets_are_one_copy_per_person(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 3, offset=3)
    request = resident_copy(
        home.head,
        scope=Scope.SOME_MEMBERS,
        layout=Layout.INDIVIDUAL,
        atena_nos=(home.head.atena_no, home.others[0].atena_no),
        copies=2,
    )
    issued = service.issue(CLERK, request)
    assert len(issued.issue_numbers) == 4 and issued.fee == 1200
    text = squash(pdf_text(write(tmp_path, issued.pdf)))
    assert full_name(home.others[1]) not in text
    assert text.count(COPY_CERTIFICATION) == 4


def test_official_requests_print_the_mark_and_cost_nothing(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 1, offset=3)
    official = requester_self(
        home.head,
        kind=RequesterKind.OFFICIAL,
        name="みどり市保険年金課",
        atena_no=None,
        documents=(),
        reason="国民健康保険法第113条による照会",
    )
    issued = service.issue(CLERK, resident_copy(home.head, requester=official))
    assert issued.fee == 0
    assert "公用" in squash(pdf_text(write(tmp_path, issued.pdf)))


def test_the_certifier_switches_to_the_deputy_on_the_configured_days(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 1, offset=4)
    deputy_day = dataclasses.replace(CLERK, clock=FixedClock(dt.datetime(2026, 11, 9, 10, 0)))
    text = squash(
        pdf_text(write(tmp_path, service.issue(deputy_day, resident_copy(home.head)).pdf))
    )
    assert "架空県みどり市長職務代理者副市長森山花子" in text and "令和8年11月9日" in text
    assert "緑川" not in text


def test_offline_certificates_carry_the_time_of_their_data(
    store: LocalStore, tmp_path: Path
) -> None:
    home = family(store, 1, offset=5)
    offline = CertificateService(store).issue(CLERK, resident_copy(home.head))
    assert "令和8年11月1日時点の端末保存データ" in squash(pdf_text(write(tmp_path, offline.pdf)))
    online = CertificateService(store, centre_reachable=lambda: True).issue(
        CLERK, resident_copy(home.head)
    )
    assert "端末保存データ" not in squash(pdf_text(write(tmp_path, online.pdf, "online.pdf")))


def test_characters_the_font_cannot_print_block_issuance(
    store: LocalStore, service: CertificateService
) -> None:
    home = family(store, 1, offset=6)
    with store.transaction() as session:
        person = session.get(Person, home.head.atena_no)
        assert person is not None
        person.given_name = person.given_name + "\ue000"  # a municipality's own 外字
    preview = service.preview(CLERK, resident_copy(home.head))
    assert not preview.printable
    assert "U+E000" in preview.unprintable[0].code_points
    with pytest.raises(PrintBlocked, match="U\\+E000"):
        service.issue(CLERK, resident_copy(home.head))


def test_only_certificate_staff_issue(store: LocalStore, service: CertificateService) -> None:
    home = family(store, 1)
    for role in (Role.CONTRACTOR, Role.AUDITOR, Role.PROTECTION_OFFICER):
        with pytest.raises(PermissionDenied):
            service.preview(context(role), resident_copy(home.head))


def test_a_certificate_of_registered_items_uses_its_own_wording(
    store: LocalStore, service: CertificateService, tmp_path: Path
) -> None:
    home = family(store, 2, offset=6)
    request = resident_copy(
        home.head,
        kind=CertificateKind.RESIDENT_ITEMS,
        scope=Scope.SOME_MEMBERS,
        items=frozenset({OptionalItem.HOUSEHOLDER}),
    )
    text = squash(pdf_text(write(tmp_path, service.issue(CLERK, request).pdf)))
    assert "住民票記載事項証明書" in text
    assert "上記の事項は、住民票に記載されている事項と相違ないことを証明する。" in text
    assert full_name(home.others[0]) not in text
    assert "前住所省略" in text


def test_a_spoiled_issuance_is_recorded_as_disposed(
    store: LocalStore, service: CertificateService
) -> None:
    home = family(store, 1, offset=7)
    issued = service.issue(CLERK, resident_copy(home.head))
    service.dispose(CLERK, issued.issue_id, "記載誤りのため回収")
    (record,) = [
        r
        for r in service.issuance_log(CLERK, day=FIXED_NOW.date())
        if r.issue_id == issued.issue_id
    ]
    assert record.disposed
    with store.transaction() as session:
        entry = audit_entries(session, action="certificate_disposal")[-1]
        assert entry.purpose == "記載誤りのため回収"
        assert entry.detail["issue_numbers"] == list(issued.issue_numbers)


def test_a_former_member_is_no_longer_of_the_household(
    store: LocalStore, service: CertificateService
) -> None:
    household_no = household_with_removed_member(store)
    with store.transaction() as session:
        members = list(session.scalars(select(Person).where(Person.household_no == household_no)))
    current = next(m for m in members if m.status == "current")
    former = next(m for m in members if m.status == "removed")
    claim = requester_self(former, kind=RequesterKind.HOUSEHOLD_MEMBER)
    with pytest.raises(CertificateRefused, match="同一の世帯に属していません"):
        service.preview(CLERK, resident_copy(current, requester=claim))
