"""Virtual My Number cards for people of the demo city (the demo and 研修モード, R-CARD-7).

Each card carries exactly what a real card would for that resident: 氏名 with U+3000 between
family and given name, the address with its 方書 in full-width digits, the birth date and sex,
and the register's 個人番号. The PINs are the same published demo values on every card.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Final

import jaconv
from sqlalchemy import select

from madoguchi.smartcard.harness import HarnessError, PrivatePcscd, VirtualCardProcess
from madoguchi.smartcard.virtual.client import VirtualCardControl
from madoguchi.smartcard.virtual.profile import CardProfile
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore

DEMO_TEXT_PIN: Final = "4821"
"""券面事項入力補助用暗証番号 of every demo card."""
DEMO_AUTH_PIN: Final = "7305"
"""利用者証明用電子証明書の暗証番号 of every demo card."""
DEMO_SIGN_PASSWORD: Final = "MADOGUCHI26"
"""署名用電子証明書の暗証番号 of every demo card."""
DEMO_CARD_EXPIRY_YEAR: Final = 2034


def card_address(person: Person) -> str:
    """The address as the card stores it: full-width digits, 方書 after a U+3000."""
    address = person.address + (f"　{person.katagaki}" if person.katagaki else "")
    return str(jaconv.h2z(address, kana=False, digit=True, ascii=True))


def card_profile(person: Person, index: int) -> CardProfile:
    """The card of one resident; ``index`` varies the printed security code."""
    if person.individual_number is None:
        raise ValueError(f"{person.atena_no} has no 個人番号")
    return CardProfile(
        individual_number=person.individual_number,
        name=f"{person.family_name}　{person.given_name}",
        address=card_address(person),
        birth_date=person.birth_date.replace("-", ""),
        sex=person.sex if person.sex in ("1", "2", "9") else "0",
        text_pin=DEMO_TEXT_PIN,
        auth_pin=DEMO_AUTH_PIN,
        sign_password=DEMO_SIGN_PASSWORD,
        security_code=f"{(index * 7919 + 1234) % 10000:04d}",
        expiry_year=DEMO_CARD_EXPIRY_YEAR,
    )


def card_holders(store: LocalStore, count: int) -> list[Person]:
    """The first ``count`` current residents holding a card, by 宛名番号 (deterministic).

    Japanese nationals with a full birth date only: a foreign resident's card carries the
    alphabet name in its own layout, which the demo does not model yet.
    """
    with store.transaction() as session:
        return list(
            session.scalars(
                select(Person)
                .where(
                    Person.status == "current",
                    Person.card_status == "issued",
                    Person.individual_number.is_not(None),
                    Person.birth_date_qualifier.is_(None),
                    Person.is_foreign.is_(False),
                )
                .order_by(Person.atena_no)
                .limit(count)
            )
        )


def write_demo_profiles(store: LocalStore, path: Path, count: int = 12) -> list[str]:
    """Write the card profiles of ``count`` residents to ``path``; their 宛名番号 in order."""
    holders = card_holders(store, count)
    profiles = [card_profile(person, index).to_json() for index, person in enumerate(holders)]
    path.write_text(json.dumps(profiles, ensure_ascii=False, indent=1), encoding="utf-8")
    return [person.atena_no for person in holders]


class DemoCardReader:
    """The demo's card reader: a private pcscd with vpcd and the virtual card behind it.

    ``start`` points this process's PC/SC client at the private pcscd (PCSCLITE_CSOCK_NAME),
    so it must run before the first PC/SC call. The first demo card holder's card is in the
    reader from the start; the virtual card's control socket can swap it.
    """

    def __init__(self, store: LocalStore, folder: Path) -> None:
        self._store = store
        self.folder = folder
        self._pcscd: PrivatePcscd | None = None
        self._card: VirtualCardProcess | None = None
        self.holders: list[str] = []
        self.trust_root: Path | None = None

    def start(self) -> None:
        """Start pcscd and the virtual card; ``HarnessError`` names what is missing."""
        run = Path(tempfile.mkdtemp(prefix="madoguchi-demo-pcsc-"))
        os.environ["PCSCLITE_CSOCK_NAME"] = str(run / "run" / "pcscd.comm")
        self.folder.mkdir(parents=True, exist_ok=True)
        profiles = self.folder / "profiles.json"
        self.holders = write_demo_profiles(self._store, profiles)
        self._pcscd = PrivatePcscd(run)
        self._pcscd.start()
        self._card = VirtualCardProcess(self._pcscd, profiles, self.folder / "pki", insert=0)
        try:
            self._card.start()
        except HarnessError:
            self._pcscd.stop()
            raise
        self.trust_root = VirtualCardControl(self._card.control_path).trust_root("trusted")

    @property
    def control_path(self) -> Path | None:
        """The virtual card's control socket (to insert another demo card)."""
        return self._card.control_path if self._card else None

    def stop(self) -> None:
        """Stop the card and pcscd."""
        if self._card is not None:
            self._card.stop()
        if self._pcscd is not None:
            self._pcscd.stop()
