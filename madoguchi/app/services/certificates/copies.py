"""The printed text of each copy, from the register rows and the decision (R-CERT-2, R-CERT-5).

Every optional item the decision leaves out prints 「省略」; items that do not apply to a
person (本籍 of a foreign resident, 在留資格 of a Japanese one) are not printed at all.
Japanese residents' dates are in 和暦, foreign residents' birth dates and 満了日 in 西暦
(R-DATA-2). In a preview the 個人番号 and 住民票コード stay masked (R-MASK-3): only the
issued paper carries them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from madoguchi.app.domain.certificates import (
    CERTIFICATION_TEXTS,
    KIND_TITLES,
    MOVE_OUT_KINDS,
    OMITTED,
    Decision,
    Layout,
    OptionalItem,
)
from madoguchi.app.domain.change_reason import REASON_NAMES
from madoguchi.app.domain.individual_number import MASK as INDIVIDUAL_NUMBER_MASK
from madoguchi.app.services.certificates.request import CertificateRequest
from madoguchi.app.services.certificates.subjects import Subjects
from madoguchi.app.services.display import date_display, register_date_display, sex_label
from madoguchi.app.services.documents.certificate_content import (
    CertificateCopyText,
    Entry,
    PersonText,
    Row,
)
from madoguchi.app.services.masking import MASKS, RestrictedItem
from madoguchi.storage.models import ChangeHistory, Person

__all__ = ["CopyFacts", "copy_count", "copy_texts"]

RESIDENT_CODE_MASK = MASKS[RestrictedItem.RESIDENT_CODE]


@dataclass(frozen=True)
class CopyFacts:
    """What every copy of one issuance shares: municipality, date, signature, marks."""

    municipality: str
    issued_on: str
    certifier: str
    seal_text: str
    data_note: str | None
    furigana: bool = True
    specimen: bool = False
    reveal_numbers: bool = True


def copy_count(subjects: Subjects, request: CertificateRequest) -> int:
    """How many copies (通) the request makes: one per person for 個人票, times the copies."""
    per_copy = len(subjects.persons) if request.layout is Layout.INDIVIDUAL else 1
    return per_copy * request.copies


def _name(person: Person, furigana: bool) -> str:
    name = f"{person.family_name}　{person.given_name}"
    if person.is_foreign and person.alphabet_name and person.alphabet_name != name:
        name = f"{person.alphabet_name}　{name}"
    kana = f"{person.family_name_kana}　{person.given_name_kana}".strip("　")
    # j1020: フリガナ only in brackets after the name, in katakana.
    return f"{name}（{kana}）" if furigana and kana else name


def _history_text(entries: Sequence[ChangeHistory]) -> str:
    lines = []
    for entry in entries:
        line = register_date_display(entry.change_date, qualifier=entry.change_date_qualifier)
        line += f"　{REASON_NAMES.get(entry.change_reason, entry.change_reason)}"
        if entry.notified_on is not None:
            line += f"（届出 {date_display(entry.notified_on)}）"
        lines.append(line)
    return "\n".join(lines)


def _row(*entries: Entry) -> Row:
    return Row(entries)


class _PersonRows:
    """Builds one person's rows; ``shown(item, value)`` applies the decision."""

    def __init__(
        self,
        person: Person,
        decision: Decision,
        facts: CopyFacts,
        history: Sequence[ChangeHistory],
    ) -> None:
        self.person = person
        self.decision = decision
        self.facts = facts
        self.history = history

    def shown(self, item: OptionalItem, value: str | None) -> str:
        if not self.decision.printed(item):
            return OMITTED
        return value or ""

    def number(self, item: OptionalItem, value: str | None, mask: str) -> str:
        shown = self.shown(item, value)
        if shown and shown != OMITTED and not self.facts.reveal_numbers:
            return mask
        return shown

    def rows(self) -> tuple[Row, ...]:
        p, kind = self.person, self.decision.kind
        birth = register_date_display(
            p.birth_date,
            era=p.birth_date_era,
            qualifier=p.birth_date_qualifier,
            western=p.is_foreign,
        )
        number = self.number(
            OptionalItem.INDIVIDUAL_NUMBER, p.individual_number, INDIVIDUAL_NUMBER_MASK
        )
        code = self.number(OptionalItem.RESIDENT_CODE, p.resident_code, RESIDENT_CODE_MASK)
        rows = [
            _row(Entry("氏名", _name(p, self.facts.furigana), 2, True), Entry("生年月日", birth)),
            _row(
                Entry("性別", sex_label(p.sex)),
                Entry("続柄", self.shown(OptionalItem.HOUSEHOLDER, p.relationship)),
                Entry("届出日", date_display(p.notified_on)),
            ),
            _row(
                Entry("住民となった年月日", register_date_display(p.became_resident_on)),
                Entry("住所を定めた年月日", register_date_display(p.address_set_on)),
                Entry("個人番号", number),
            ),
        ]
        if p.is_foreign:
            rows += self._foreign_rows(code)
        else:
            rows += [
                _row(
                    Entry("住民票コード", code),
                    Entry("筆頭者", self.shown(OptionalItem.HONSEKI, p.hittosha), 2),
                ),
                _row(Entry("本籍", self.shown(OptionalItem.HONSEKI, p.honseki), 3)),
            ]
        if p.former_surname:
            rows.append(_row(Entry("旧氏", p.former_surname, 3)))
        if kind not in MOVE_OUT_KINDS:
            previous = self.shown(OptionalItem.PREVIOUS_ADDRESS, p.previous_address)
            rows.append(_row(Entry("前住所", previous, 3)))
        if p.status == "removed":
            rows += self._removal_rows()
        if kind not in MOVE_OUT_KINDS:
            history = self.shown(OptionalItem.HISTORY, _history_text(self.history))
            rows.append(_row(Entry("異動履歴", history, 3)))
        return tuple(rows)

    def _foreign_rows(self, code: str) -> list[Row]:
        p = self.person
        expiry = date_display(p.stay_expires_on, western=True)
        status = OptionalItem.RESIDENCE_STATUS
        return [
            _row(
                Entry("住民票コード", code),
                Entry(
                    "在留カード等番号",
                    self.shown(OptionalItem.RESIDENCE_CARD_NO, p.residence_card_no),
                ),
                Entry("国籍・地域", self.shown(OptionalItem.NATIONALITY, p.nationality)),
            ),
            _row(
                Entry(
                    "第30条の45区分",
                    self.shown(OptionalItem.RESIDENCE_CATEGORY, p.residence_category),
                ),
                Entry("在留資格", self.shown(status, p.residence_status)),
                Entry("在留期間", self.shown(status, p.period_of_stay)),
            ),
            _row(
                Entry("在留期間の満了日", self.shown(status, expiry)),
                Entry("通称", self.shown(OptionalItem.ALIAS, p.alias_name), 2),
            ),
        ]

    def _removal_rows(self) -> list[Row]:
        p = self.person
        if self.decision.kind in MOVE_OUT_KINDS:
            return [
                _row(
                    Entry("転出先", p.move_out_planned_address or "", 2),
                    Entry("転出予定年月日", date_display(p.move_out_planned_on)),
                )
            ]
        destination = p.move_out_confirmed_address or p.move_out_planned_address or ""
        reason = REASON_NAMES.get(p.removal_reason or "", p.removal_reason or "")
        return [
            _row(
                Entry("消除年月日", register_date_display(p.removed_on)),
                Entry("消除事由", reason, 2),
            ),
            _row(Entry("転出先", destination, 3)),
        ]


def _header(subjects: Subjects, decision: Decision) -> tuple[Entry, ...]:
    head = subjects.householder
    householder = f"{head.family_name}　{head.given_name}" if head is not None else ""
    if decision.kind in MOVE_OUT_KINDS:
        return (Entry("住所（転出前）", subjects.address, 3), Entry("世帯主", householder, 3))
    shown = householder if decision.printed(OptionalItem.HOUSEHOLDER) else OMITTED
    return (Entry("住所", subjects.address, 3), Entry("世帯主", shown, 3))


def copy_texts(
    subjects: Subjects,
    request: CertificateRequest,
    decision: Decision,
    facts: CopyFacts,
    history_of: Callable[[str], Sequence[ChangeHistory]],
    issue_numbers: Sequence[str],
) -> list[CertificateCopyText]:
    """The copies of the request in order, the i-th carrying ``issue_numbers[i]``."""
    people = [
        PersonText(
            p.atena_no,
            _name(p, facts.furigana),
            _PersonRows(p, decision, facts, history_of(p.atena_no)).rows(),
        )
        for p in subjects.persons
    ]
    groups = (
        [(person,) for person in people] if request.layout is Layout.INDIVIDUAL else [tuple(people)]
    )
    header = _header(subjects, decision)
    texts = []
    numbers = iter(issue_numbers)
    for _copy in range(request.copies):
        for group in groups:
            texts.append(
                CertificateCopyText(
                    title=KIND_TITLES[decision.kind],
                    municipality=facts.municipality,
                    header=header,
                    persons=group,
                    certification_text=CERTIFICATION_TEXTS[decision.kind],
                    issued_on=facts.issued_on,
                    certifier=facts.certifier,
                    seal_text=facts.seal_text,
                    issue_no=next(numbers),
                    official=decision.official,
                    data_note=facts.data_note,
                    specimen=facts.specimen,
                )
            )
    return texts
