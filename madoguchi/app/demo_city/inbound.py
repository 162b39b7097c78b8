"""Families on their way into the demo city: received 転出証明書情報 (特例転入) and their cards.

Fixed synthetic families, so the demo and the tests can walk a 特例転入 with the virtual card:
each family's 転出証明書情報 has "arrived over 住基ネット" on the demo date, and each member
has a card profile (same published demo PINs as the residents' cards).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import jaconv
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.jp import in_ as individual_number_rule

from madoguchi.app.demo_city.cards import (
    DEMO_AUTH_PIN,
    DEMO_CARD_EXPIRY_YEAR,
    DEMO_SIGN_PASSWORD,
    DEMO_TEXT_PIN,
)
from madoguchi.app.services.intake.prefill import record_move_out_certificate
from madoguchi.smartcard.virtual.profile import CardProfile
from madoguchi.storage.models import Person, ReceivedMoveOutCertificate


@dataclass(frozen=True)
class IncomingPerson:
    """One member of an incoming family, as the former municipality recorded them."""

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: str
    sex: str
    relationship: str
    serial: int

    @property
    def individual_number(self) -> str:
        """A synthetic, check-digit-valid number in a range the demo city never issues."""
        body = f"80{self.serial:09d}"
        return body + individual_number_rule.calc_check_digit(body)

    @property
    def name(self) -> str:
        """氏名 with U+3000."""
        return f"{self.family_name}　{self.given_name}"


@dataclass(frozen=True)
class IncomingFamily:
    """A household moving in, with its former municipality and address."""

    certificate_id: str
    from_municipality_code: str
    from_municipality: str
    former_address: str
    members: tuple[IncomingPerson, ...]
    days_before_today: int


INCOMING_FAMILIES: Final = (
    IncomingFamily(
        "DEMO-TOKUREI-0001",
        "271004",
        "大阪府大阪市",
        "大阪府大阪市北区中之島一丁目3番20号　なかのしまハイツ502号",
        (
            IncomingPerson("森本", "健太", "モリモト", "ケンタ", "1984-06-03", "1", "世帯主", 101),
            IncomingPerson("森本", "美咲", "モリモト", "ミサキ", "1986-09-21", "2", "妻", 102),
            IncomingPerson("森本", "陽向", "モリモト", "ヒナタ", "2016-04-15", "1", "子", 103),
        ),
        3,
    ),
    IncomingFamily(
        "DEMO-TOKUREI-0002",
        "141003",
        "神奈川県横浜市",
        "神奈川県横浜市中区港町一丁目1番地",
        (IncomingPerson("小川", "裕子", "オガワ", "ユウコ", "1992-12-08", "2", "世帯主", 201),),
        5,
    ),
)


def install_inbound(session: Session, today: dt.date) -> int:
    """Record the incoming families' 転出証明書情報 (once); how many were added."""
    present = set(session.scalars(select(ReceivedMoveOutCertificate.certificate_id)))
    added = 0
    for family in INCOMING_FAMILIES:
        if family.certificate_id in present:
            continue
        numbers = [m.individual_number for m in family.members]
        clash = session.scalars(
            select(Person.atena_no).where(Person.individual_number.in_(numbers))
        ).first()
        if clash is not None:
            raise RuntimeError("an incoming family's synthetic 個人番号 is a resident's")
        moved = today - dt.timedelta(days=family.days_before_today)
        record_move_out_certificate(
            session,
            certificate_id=family.certificate_id,
            received_at=dt.datetime.combine(moved, dt.time(9, 0)),
            from_municipality_code=family.from_municipality_code,
            from_municipality=family.from_municipality,
            former_address=family.former_address,
            moving_to_address="架空県みどり市",
            planned_move_on=moved,
            householder_name=family.members[0].name,
            persons=[
                {
                    "family_name": m.family_name,
                    "given_name": m.given_name,
                    "family_name_kana": m.family_name_kana,
                    "given_name_kana": m.given_name_kana,
                    "birth_date": m.birth_date,
                    "sex": m.sex,
                    "relationship": m.relationship,
                    "individual_number": m.individual_number,
                }
                for m in family.members
            ],
        )
        added += 1
    return added


def incoming_card(person: IncomingPerson, family: IncomingFamily) -> CardProfile:
    """The card of an incoming person: still showing the former address."""
    return CardProfile(
        individual_number=person.individual_number,
        name=person.name,
        address=str(jaconv.h2z(family.former_address, kana=False, digit=True, ascii=True)),
        birth_date=person.birth_date.replace("-", ""),
        sex=person.sex,
        text_pin=DEMO_TEXT_PIN,
        auth_pin=DEMO_AUTH_PIN,
        sign_password=DEMO_SIGN_PASSWORD,
        security_code=f"{person.serial * 37 % 10000:04d}",
        expiry_year=DEMO_CARD_EXPIRY_YEAR,
    )


def incoming_cards() -> list[CardProfile]:
    """Every incoming person's card, family by family."""
    return [incoming_card(m, f) for f in INCOMING_FAMILIES for m in f.members]
