"""The inbound file formats, read and checked (docs/interfaces.md, "Inbound").

Both files are JSON Lines: UTF-8, one JSON object per line, blank lines ignored. Every
field is checked; a record with a problem is reported with its line and field — in Japanese,
and never with the value, which may be a 個人番号 — and the others go on. Unknown fields are
refused, so a misspelt field is a problem rather than a silently missing item.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madoguchi.app.domain.individual_number import IndividualNumber, InvalidIndividualNumber
from madoguchi.app.domain.intake import VARIANT_KIND, IntakeKind, Variant
from madoguchi.app.domain.resident_code import InvalidResidentCode, ResidentCode

FIELD_LABELS: dict[str, str] = {
    "certificate_id": "証明書ID",
    "from_municipality_code": "転出元市町村コード",
    "from_municipality": "転出元市町村名",
    "former_address": "転出元住所",
    "moving_to_address": "転出先住所",
    "planned_move_on": "異動予定日",
    "householder_name": "世帯主氏名",
    "persons": "異動者",
    "reservation_id": "予約ID",
    "kind": "届出の種類",
    "variant": "異動の区分",
    "visit_planned_on": "来庁予定日",
    "applicant_individual_number": "届出人の個人番号",
    "previous_address": "転入前住所",
    "movers": "異動者",
    "family_name": "氏",
    "given_name": "名",
    "family_name_kana": "氏（フリガナ）",
    "given_name_kana": "名（フリガナ）",
    "birth_date": "生年月日",
    "sex": "性別",
    "relationship": "続柄",
    "individual_number": "個人番号",
    "resident_code": "住民票コード",
    "honseki": "本籍",
    "hittosha": "筆頭者",
    "is_foreign": "外国人住民",
    "nationality": "国籍・地域",
}

PERSON_FIELDS = frozenset(
    {
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_date",
        "sex",
        "relationship",
        "individual_number",
        "resident_code",
        "honseki",
        "hittosha",
        "is_foreign",
        "nationality",
    }
)
CERTIFICATE_FIELDS = frozenset(
    {
        "certificate_id",
        "from_municipality_code",
        "from_municipality",
        "former_address",
        "moving_to_address",
        "planned_move_on",
        "householder_name",
        "persons",
    }
)
RESERVATION_FIELDS = frozenset(
    {
        "reservation_id",
        "kind",
        "variant",
        "planned_move_on",
        "visit_planned_on",
        "applicant_individual_number",
        "previous_address",
        "moving_to_address",
        "movers",
    }
)
SEXES = ("1", "2")  # 住基 codes: 1 男, 2 女
MAX_PERSONS = 50
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,35}")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb\u3000 ]+")
WHOLE_LINE = "（行全体）"


class InvalidRecord(ValueError):
    """One field of one record is wrong: ``field`` is its path (``persons[2].sex``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Line:
    """One line of an inbound file: its number and the JSON object, or why there is none."""

    number: int
    data: dict[str, Any] | None
    problem: str | None = None


def read_lines(path: Path) -> Iterator[Line]:
    """The non-blank lines of a JSON Lines file (OSError when it cannot be read)."""
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError:
            yield Line(number, None, "UTF-8 の文字として読めません")
            continue
        if not text:
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            yield Line(number, None, "JSON として読めません")
            continue
        if not isinstance(data, dict):
            yield Line(number, None, "1行に1件の JSON オブジェクト（{…}）を書いてください")
            continue
        yield Line(number, data)


def municipality_code_valid(code: str) -> bool:
    """A 全国地方公共団体コード: 6 digits, the last a check digit over weights 6…2 mod 11."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    total = sum(w * int(d) for w, d in zip((6, 5, 4, 3, 2), code[:5], strict=True))
    return (11 - total % 11) % 10 == int(code[5])


class _Fields:
    """Typed access to one JSON object's fields, raising InvalidRecord with the field path."""

    def __init__(self, data: dict[str, Any], allowed: frozenset[str], prefix: str = "") -> None:
        self._data = data
        self._prefix = prefix
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InvalidRecord(
                self.path(unknown[0]), "定義されていない項目です（綴りを確認してください）"
            )

    def path(self, key: str) -> str:
        label = FIELD_LABELS.get(key)
        name = f"{self._prefix}{key}"
        return f"{name}（{label}）" if label else name

    def text(
        self, key: str, *, required: bool = True, pattern: re.Pattern[str] | None = None
    ) -> str | None:
        value = self._data.get(key)
        if value is None or value == "":
            if required:
                raise InvalidRecord(self.path(key), "必須の項目がありません")
            return None
        if not isinstance(value, str):
            raise InvalidRecord(self.path(key), "文字列で指定してください")
        if pattern is not None and not pattern.fullmatch(value):
            raise InvalidRecord(self.path(key), "使えない文字が含まれているか、長すぎます")
        return value

    def required_text(self, key: str, pattern: re.Pattern[str] | None = None) -> str:
        value = self.text(key, pattern=pattern)
        assert value is not None
        return value

    def date(
        self, key: str, *, required: bool = True, not_after: dt.date | None = None
    ) -> dt.date | None:
        text = self.text(key, required=required)
        if text is None:
            return None
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidRecord(self.path(key), "YYYY-MM-DD 形式の日付ではありません") from None
        if len(text) != 10:
            raise InvalidRecord(self.path(key), "YYYY-MM-DD 形式の日付ではありません")
        if not_after is not None and day > not_after:
            raise InvalidRecord(self.path(key), "未来の日付です")
        return day

    def individual_number(self, key: str, *, required: bool = False) -> str | None:
        text = self.text(key, required=required)
        if text is None:
            return None
        try:
            return IndividualNumber(text).value
        except InvalidIndividualNumber as exc:
            raise InvalidRecord(self.path(key), str(exc)) from None

    def resident_code(self, key: str) -> str | None:
        text = self.text(key, required=False)
        if text is None:
            return None
        try:
            return ResidentCode(text).value
        except InvalidResidentCode as exc:
            raise InvalidRecord(self.path(key), str(exc)) from None

    def flag(self, key: str) -> bool:
        value = self._data.get(key, False)
        if not isinstance(value, bool):
            raise InvalidRecord(self.path(key), "true または false で指定してください")
        return value

    def objects(self, key: str) -> list[dict[str, Any]]:
        value = self._data.get(key)
        if not isinstance(value, list) or not value:
            raise InvalidRecord(self.path(key), "1人以上の一覧（[…]）で指定してください")
        if len(value) > MAX_PERSONS:
            raise InvalidRecord(self.path(key), f"{MAX_PERSONS}人までです")
        for index, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                raise InvalidRecord(
                    f"{self._prefix}{key}[{index}]", "JSON オブジェクト（{…}）で指定してください"
                )
        return value


def parse_person(data: dict[str, Any], prefix: str, today: dt.date) -> dict[str, Any]:
    """One mover of a certificate or a reservation, as stored (keys of ``Mover``)."""
    fields = _Fields(data, PERSON_FIELDS, prefix)
    person: dict[str, Any] = {
        "family_name": fields.required_text("family_name"),
        "given_name": fields.text("given_name", required=False) or "",
        "family_name_kana": fields.text("family_name_kana", required=False, pattern=_KATAKANA)
        or "",
        "given_name_kana": fields.text("given_name_kana", required=False, pattern=_KATAKANA) or "",
        "birth_date": str(fields.date("birth_date", not_after=today)),
        "sex": fields.required_text("sex"),
        "relationship": fields.required_text("relationship"),
        "individual_number": fields.individual_number("individual_number"),
        "resident_code": fields.resident_code("resident_code"),
        "honseki": fields.text("honseki", required=False),
        "hittosha": fields.text("hittosha", required=False),
        "is_foreign": fields.flag("is_foreign"),
        "nationality": fields.text("nationality", required=False),
    }
    if person["sex"] not in SEXES:
        raise InvalidRecord(fields.path("sex"), "1（男）または 2（女）で指定してください")
    if not person["individual_number"] and not person["family_name_kana"]:
        raise InvalidRecord(
            fields.path("individual_number"),
            "照合に使う個人番号か氏のフリガナのどちらかが必要です",
        )
    return person


@dataclass(frozen=True)
class CertificateRecord:
    """One checked 転出証明書情報 (one family)."""

    certificate_id: str
    from_municipality_code: str
    from_municipality: str
    former_address: str
    moving_to_address: str
    planned_move_on: dt.date
    householder_name: str
    persons: list[dict[str, Any]]


def parse_certificate(data: dict[str, Any], today: dt.date) -> CertificateRecord:
    """Check one line of a 転出証明書情報 file; InvalidRecord names the first problem."""
    fields = _Fields(data, CERTIFICATE_FIELDS)
    certificate_id = fields.required_text("certificate_id", _ID)
    code = fields.required_text("from_municipality_code")
    if not municipality_code_valid(code):
        raise InvalidRecord(
            fields.path("from_municipality_code"),
            "6桁の全国地方公共団体コード（検査数字付き）ではありません",
        )
    planned = fields.date("planned_move_on")
    assert planned is not None
    return CertificateRecord(
        certificate_id=certificate_id,
        from_municipality_code=code,
        from_municipality=fields.required_text("from_municipality"),
        former_address=fields.required_text("former_address"),
        moving_to_address=fields.required_text("moving_to_address"),
        planned_move_on=planned,
        householder_name=fields.required_text("householder_name"),
        persons=[
            parse_person(p, f"persons[{i}].", today)
            for i, p in enumerate(fields.objects("persons"), start=1)
        ],
    )


@dataclass(frozen=True)
class ReservationRecord:
    """One checked online 転入予約 / 転出届."""

    reservation_id: str
    kind: str
    planned_move_on: dt.date | None
    visit_planned_on: dt.date | None
    applicant_individual_number: str
    form: dict[str, Any]


_DEFAULT_VARIANT = {
    IntakeKind.MOVE_IN: Variant.DOMESTIC_MOVE_IN,
    IntakeKind.MOVE_OUT: Variant.MOVE_OUT,
}


def parse_reservation(data: dict[str, Any], today: dt.date) -> ReservationRecord:
    """Check one line of a reservation file; InvalidRecord names the first problem."""
    fields = _Fields(data, RESERVATION_FIELDS)
    reservation_id = fields.required_text("reservation_id", _ID)
    kind_text = fields.required_text("kind")
    kinds = {k.value: k for k in _DEFAULT_VARIANT}
    if kind_text not in kinds:
        raise InvalidRecord(fields.path("kind"), "move_in または move_out で指定してください")
    kind = kinds[kind_text]
    variant_text = fields.text("variant", required=False) or _DEFAULT_VARIANT[kind].value
    variants = [v.value for v, k in VARIANT_KIND.items() if k is kind]
    if variant_text not in variants:
        raise InvalidRecord(fields.path("variant"), f"{' / '.join(variants)} のいずれかです")
    applicant = fields.individual_number("applicant_individual_number", required=True)
    assert applicant is not None
    form = {
        "variant": variant_text,
        "previous_address": fields.text("previous_address", required=False),
        "moving_to_address": fields.text("moving_to_address", required=False),
        "movers": [
            parse_person(p, f"movers[{i}].", today)
            for i, p in enumerate(fields.objects("movers"), start=1)
        ],
    }
    return ReservationRecord(
        reservation_id=reservation_id,
        kind=kind.value,
        planned_move_on=fields.date("planned_move_on", required=False),
        visit_planned_on=fields.date("visit_planned_on", required=False),
        applicant_individual_number=applicant,
        form=form,
    )
