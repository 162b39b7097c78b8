"""The identity check with a My Number card (R-CARD-2, R-CARD-4, R-CARD-6).

The card work itself happens in ``madoguchi.smartcard``; this service decides what the counter
may see of it and what is kept. Card data go no further than the comparison returned here:
the 個人番号 read from the card is compared with the register and then only "matches: yes/no"
is shown or logged. The audit log records that a card was read and checked, never the PIN,
never the number.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action
from madoguchi.app.domain.variants import fold_variants
from madoguchi.smartcard.card_data import CardFace, Sex
from madoguchi.smartcard.genuineness import Genuineness
from madoguchi.storage import register
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore

SEX_LABELS: dict[Sex, str] = {
    "male": "男",
    "female": "女",
    "not_applicable": "適用不能",
    "unknown": "不明",
}
REGISTER_SEX: dict[str, Sex] = {"1": "male", "2": "female", "9": "not_applicable"}
MASKED_NUMBER = "●●●● ●●●● ●●●●"


class Agreement(StrEnum):
    """How a card item compares with the register."""

    SAME = "same"
    VARIANT = "variant"  # the same after folding 異体字: the card's 外字 substitute, say
    DIFFERENT = "different"
    NO_REGISTER = "no_register"


AGREEMENT_LABELS = {
    Agreement.SAME: "一致",
    Agreement.VARIANT: "字形の違いのみ",
    Agreement.DIFFERENT: "相違",
    Agreement.NO_REGISTER: "照合先なし",
}


@dataclass(frozen=True)
class ItemComparison:
    """One of the four items: the card's value beside the register's."""

    label: str
    card_value: str
    register_value: str
    agreement: Agreement


@dataclass(frozen=True)
class CardComparison:
    """What the identity-check dialog shows after the read; the number itself is not here."""

    atena_no: str | None
    items: tuple[ItemComparison, ...]
    individual_number_shown: str
    individual_number_agreement: Agreement

    @property
    def differences(self) -> tuple[ItemComparison, ...]:
        """The items that do not agree (variants included, so staff look at them)."""
        return tuple(item for item in self.items if item.agreement != Agreement.SAME)


def _plain(text: str) -> str:
    """Width-folded, without spaces: the card writes full-width digits and U+3000."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _agreement(card: str, registered: str | None) -> Agreement:
    if registered is None:
        return Agreement.NO_REGISTER
    if _plain(card) == _plain(registered):
        return Agreement.SAME
    if fold_variants(_plain(card)) == fold_variants(_plain(registered)):
        return Agreement.VARIANT
    return Agreement.DIFFERENT


def _register_address(person: Person) -> str:
    return person.address + (f"　{person.katagaki}" if person.katagaki else "")


def compare_card(face: CardFace, person: Person | None) -> CardComparison:
    """Compare the four items and the 個人番号 of ``face`` with ``person`` (pure)."""
    four = face.basic_four
    name = f"{person.family_name}　{person.given_name}" if person else None
    address = _register_address(person) if person else None
    birth = person.birth_date if person else None
    sex = SEX_LABELS[REGISTER_SEX.get(person.sex, "unknown")] if person else None
    items = (
        ItemComparison("氏名", four.name, name or "", _agreement(four.name, name)),
        ItemComparison("住所", four.address, address or "", _agreement(four.address, address)),
        ItemComparison(
            "生年月日",
            four.birth_date.isoformat(),
            birth or "",
            _agreement(four.birth_date.isoformat(), birth),
        ),
        ItemComparison(
            "性別", SEX_LABELS[four.sex], sex or "", _agreement(SEX_LABELS[four.sex], sex)
        ),
    )
    if person is None or person.individual_number is None:
        number = Agreement.NO_REGISTER
    elif person.individual_number == face.individual_number:
        number = Agreement.SAME
    else:
        number = Agreement.DIFFERENT
    return CardComparison(
        atena_no=person.atena_no if person else None,
        items=items,
        individual_number_shown=MASKED_NUMBER,
        individual_number_agreement=number,
    )


class IdentityCheckService:
    """Compares a card read with the register and records the check in the audit log."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def compare(self, ctx: ServiceContext, face: CardFace, atena_no: str | None) -> CardComparison:
        """The card beside the register entry of ``atena_no`` (or alone, for a newcomer)."""
        ctx.actor.require(Action.READ_CARD)
        with self._store.transaction() as session:
            person = register.load_person(session, atena_no) if atena_no else None
            comparison = compare_card(face, person)
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="card_read",
                target_persons=[person.atena_no] if person is not None else [],
                detail={
                    "individual_number": comparison.individual_number_agreement.value,
                    "differences": [item.label for item in comparison.differences],
                },
            )
        return comparison

    def record_genuineness(
        self, ctx: ServiceContext, atena_no: str | None, result: Genuineness
    ) -> None:
        """Audit the genuineness check: result, reason, certificate serial (R-CARD-6)."""
        ctx.actor.require(Action.READ_CARD)
        with self._store.transaction() as session:
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="card_genuineness",
                target_persons=[atena_no] if atena_no else [],
                detail={
                    "genuine": result.genuine,
                    "reason": result.reason,
                    "certificate_serial": result.certificate_serial,
                    "revocation_checked": result.revocation_checked,
                },
            )

    def check_time(self, ctx: ServiceContext) -> dt.datetime:
        """The moment certificates are checked against: the context's clock, as UTC."""
        jst = dt.timezone(dt.timedelta(hours=9))
        return ctx.now().replace(tzinfo=jst).astimezone(dt.UTC)
