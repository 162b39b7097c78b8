"""The certificate layout (R-CERT-5, j1000, j1040, j1070) checked on the rendered PDF."""

from __future__ import annotations

from pathlib import Path

from madoguchi.app.services.documents.certificate_content import (
    CertificateCopyText,
    Entry,
    PersonText,
    Row,
)
from madoguchi.app.services.documents.certificate_pdf import render_certificates
from tests.helpers.pdf import fonts, page_count, pdf_text, squash

CERTIFICATION = "この写しは、住民票の原本と相違ないことを証明する。"
LONG_ADDRESS = (
    "架空県みどり市本町一丁目2番3号　" + "みどりグランドパレスタワー東棟" * 6 + "4501号室"
)


def person(index: int) -> PersonText:
    name = f"見本　{index:02d}郎（ミホン　ジロウ）"
    return PersonText(
        f"{index:010d}",
        name,
        (
            Row((Entry("氏名", name, 2, True), Entry("生年月日", "平成元年1月8日"))),
            Row((Entry("性別", "男"), Entry("続柄", "子"), Entry("届出日", "平成元年1月9日"))),
            Row((Entry("前住所", LONG_ADDRESS if index == 1 else "", 3),)),
        ),
    )


def copy(persons: int, **changes: object) -> CertificateCopyText:
    fields: dict[str, object] = {
        "title": "住民票の写し",
        "municipality": "架空県みどり市",
        "header": (
            Entry("住所", "架空県みどり市本町一丁目2番3号", 3),
            Entry("世帯主", "見本　01郎", 3),
        ),
        "persons": tuple(person(i) for i in range(1, persons + 1)),
        "certification_text": CERTIFICATION,
        "issued_on": "令和8年11月2日",
        "certifier": "架空県みどり市長　緑川　一郎",
        "seal_text": "みどり市長之印",
        "issue_no": "20261102 架空県みどり市 本庁舎市民課 T01 PRN01 0042",
    }
    fields.update(changes)
    return CertificateCopyText(**fields)  # type: ignore[arg-type]


def test_pages_carry_the_number_and_only_the_last_the_certification(tmp_path: Path) -> None:
    rendered = render_certificates([copy(24)])
    path = tmp_path / "long.pdf"
    path.write_bytes(rendered.pdf)
    pages = page_count(path)
    assert rendered.pages == (pages,) and pages >= 3
    for page in range(1, pages + 1):
        text = squash(pdf_text(path, "-f", str(page), "-l", str(page)))
        assert f"発行番号20261102架空県みどり市本庁舎市民課T01PRN010042{page}/{pages}" in text
        assert "住民票の写し" in text and "世帯主見本01郎" in text
        assert (CERTIFICATION in text) == (page == pages)
        # The certification never stands alone on a page: a person comes with it.
        assert "見本" in text.replace("世帯主見本01郎", "")


def test_a_long_value_is_set_smaller_or_wrapped_never_cut(tmp_path: Path) -> None:
    path = tmp_path / "wrap.pdf"
    path.write_bytes(render_certificates([copy(1)]).pdf)
    assert squash(LONG_ADDRESS) in squash(pdf_text(path))


def test_copies_follow_each_other_and_the_bytes_are_reproducible(tmp_path: Path) -> None:
    first = copy(2)
    second = copy(2, issue_no="20261102 架空県みどり市 本庁舎市民課 T01 PRN01 0043", official=True)
    rendered = render_certificates([first, second])
    assert rendered.pages == (1, 1)
    assert render_certificates([first, second]).pdf == rendered.pdf
    path = tmp_path / "two.pdf"
    path.write_bytes(rendered.pdf)
    assert "公用" not in squash(pdf_text(path, "-f", "1", "-l", "1"))
    second_page = squash(pdf_text(path, "-f", "2", "-l", "2"))
    assert "公用" in second_page and "00431/1" in second_page
    assert all(row["emb"] == "yes" and row["sub"] == "yes" for row in fonts(path))
    assert len(rendered.pdf) < 150_000
