"""The 住民異動届 確認票 (R-INTAKE-6, j540), checked the way a printer sees it: with poppler.

pdftotext reads the text back (names keep their variation selectors: the ToUnicode map gives
the whole sequence), pdffonts shows both IPAex fonts embedded as subsets, pdfinfo counts pages.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from madoguchi.app.services.documents import fonts
from madoguchi.app.services.documents.fonts import FontFileMissing
from madoguchi.app.services.documents.notification_sheet import (
    NotificationSheet,
    SheetPerson,
    render_notification_sheet,
)
from tests.helpers.system import require_executable

MASK = "●●●● ●●●● ●●●●"
KATSURAGI = "葛\U000e0100西"  # 葛 + VARIATION SELECTOR-17, as the register stores it

THREE_PERSONS = (
    SheetPerson(
        f"{KATSURAGI}　一郎", "カツラギ　イチロウ", "昭和55年2月17日", "男", "世帯主", MASK
    ),
    SheetPerson(f"{KATSURAGI}　花子", "カツラギ　ハナコ", "昭和57年5月3日", "女", "妻", MASK),
    SheetPerson(f"{KATSURAGI}　みらい", "カツラギ　ミライ", "令和2年4月1日", "女", "子", ""),
)

SHEET = NotificationSheet(
    municipality="架空県みどり市",
    title="住民異動届（転入届）確認票",
    variant_label="特例転入（マイナンバーカード）",
    draft_id="D-2026-000123",
    moved_on="令和8年11月20日",
    notified_on="令和8年11月23日",
    new_address="架空県みどり市本町一丁目2番3号　みどりハイツ101号",
    previous_address="架空県あおば市中央三丁目4番5号",
    previous_address_label="転入前住所",
    householder=f"{KATSURAGI}　一郎",
    persons=THREE_PERSONS,
    notifier=f"本人　{KATSURAGI}　一郎",
    documents=("個人番号カード",),
    alerts=("転出予定日から14日を超えています",),
    printed_at="令和8年11月23日 10:15",
    staff="S0001 山田",
)

FAMILIES = (("試験", "シケン"), ("見本", "ミホン"), ("架空", "カクウ"), ("仮名", "カメイ"))
GIVENS = (
    ("一郎", "イチロウ"),
    ("二郎", "ジロウ"),
    ("三郎", "サブロウ"),
    ("花子", "ハナコ"),
    ("桜", "サクラ"),
    ("葵", "アオイ"),
    ("蓮", "レン"),
)


def many_persons(count: int) -> tuple[SheetPerson, ...]:
    """``count`` persons with distinct synthetic names."""
    pairs = [(family, given) for family in FAMILIES for given in GIVENS][:count]
    assert len(pairs) == count
    return tuple(
        SheetPerson(
            f"{family}　{given}",
            f"{family_kana}　{given_kana}",
            "平成元年1月8日",
            "男",
            "世帯員",
            MASK,
        )
        for (family, family_kana), (given, given_kana) in pairs
    )


def poppler(tool: str, *args: str) -> str:
    done = subprocess.run(
        [str(require_executable(tool)), *args],
        capture_output=True,
        check=True,
        encoding="utf-8",
    )
    return done.stdout


def squash(text: str) -> str:
    # pdftotext -layout turns the ideographic space and column gaps into runs of spaces.
    return re.sub(r"[\s\u3000]+", "", text)


def write_pdf(tmp_path: Path, sheet: NotificationSheet, name: str = "sheet.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(render_notification_sheet(sheet))
    return path


def pdf_text(path: Path, *args: str) -> str:
    return poppler("pdftotext", "-layout", "-enc", "UTF-8", *args, str(path), "-")


def test_sheet_shows_what_the_resident_checks(tmp_path: Path) -> None:
    text = squash(pdf_text(write_pdf(tmp_path, SHEET)))

    for expected in (
        SHEET.municipality,
        SHEET.title,
        SHEET.variant_label,
        SHEET.draft_id,
        SHEET.moved_on,
        SHEET.notified_on,
        SHEET.new_address,
        SHEET.previous_address_label,
        SHEET.previous_address,
        SHEET.householder,
        SHEET.notifier,
        "個人番号カード",
        SHEET.alerts[0],
        SHEET.status_note,
        "届出人署名",
        SHEET.staff,
        SHEET.printed_at,
    ):
        assert squash(expected) in text, expected
    for person in THREE_PERSONS:
        for value in (person.name, person.kana, person.birth_date, person.relationship):
            assert squash(value) in text, value


def test_variation_sequence_survives_into_the_pdf_text(tmp_path: Path) -> None:
    text = pdf_text(write_pdf(tmp_path, SHEET))

    # Drawn with the font's variant glyph, and read back as the very sequence registered.
    assert KATSURAGI in text
    assert "〓" not in text
    assert "※" not in text  # no note about characters the font lacks


def test_individual_number_only_masked(tmp_path: Path) -> None:
    text = squash(pdf_text(write_pdf(tmp_path, SHEET)))

    assert squash(MASK) in text
    assert not re.search(r"\d{12}", text)


def test_sheet_refuses_an_unmasked_individual_number() -> None:
    with pytest.raises(ValueError, match="masked"):
        dataclasses.replace(THREE_PERSONS[0], individual_number="1234 5678 9018")


def test_both_fonts_embedded_as_subsets(tmp_path: Path) -> None:
    listing = poppler("pdffonts", str(write_pdf(tmp_path, SHEET)))

    rows = [line.split() for line in listing.splitlines()[2:]]
    # name type encoding emb sub uni object generation; the type is one word for TrueType.
    by_family = {row[0].split("+")[-1]: row for row in rows}
    assert set(by_family) == {"IPAexMincho", "IPAexGothic"}, listing
    for row in rows:
        assert row[3:6] == ["yes", "yes", "yes"], listing


def test_a4_portrait_and_deterministic(tmp_path: Path) -> None:
    path = write_pdf(tmp_path, SHEET)

    info = poppler("pdfinfo", str(path))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    assert re.search(r"Pages:\s+1\n", info), info
    assert render_notification_sheet(SHEET) == path.read_bytes()


def test_many_persons_paginate_and_every_name_is_printed(tmp_path: Path) -> None:
    persons = many_persons(25)
    path = write_pdf(tmp_path, dataclasses.replace(SHEET, persons=persons))

    found = re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(path)))
    assert found is not None
    pages = int(found[1])
    assert pages >= 2
    text = squash(pdf_text(path))
    for person in persons:
        assert squash(person.name) in text, person.name
        assert squash(person.kana) in text, person.kana
    for page in range(1, pages + 1):
        page_text = squash(pdf_text(path, "-f", str(page), "-l", str(page)))
        # Every page says which draft it belongs to and which page of how many it is.
        assert SHEET.draft_id in page_text
        assert f"{page}/{pages}頁" in page_text
    last_page = squash(pdf_text(path, "-f", str(pages), "-l", str(pages)))
    assert "届出人署名" in last_page


def test_characters_the_font_lacks_are_listed_not_hidden(tmp_path: Path) -> None:
    yoshida = SheetPerson(
        "\U00020bb7田　太郎", "ヨシダ　タロウ", "平成22年10月1日", "男", "子", MASK
    )
    sheet = dataclasses.replace(SHEET, persons=(*THREE_PERSONS, yoshida))

    text = squash(pdf_text(write_pdf(tmp_path, sheet)))

    assert "〓田太郎" in text
    assert "U+20BB7" in text


def test_missing_font_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "FONTS_DIR", tmp_path)

    with pytest.raises(FontFileMissing) as raised:
        render_notification_sheet(SHEET)

    assert raised.value.path == tmp_path / "ipaexm.ttf"
    assert "ipaexm.ttf" in str(raised.value)
    assert str(tmp_path) in str(raised.value)
