"""Input fields of the intake forms, checked as they are typed (R-INTAKE-5, R-INTAKE-7).

- ``KanaEdit``: フリガナ. Whatever the IME commits (hiragana, half-width katakana) becomes
  full-width katakana at once; anything that is not kana is flagged.
- ``WarekiDateEdit``: a date typed in 和暦 or 西暦 (``R8.10.30``, ``令和8年10月30日``,
  ``2026-10-30``); on leaving the field it shows the normalised 和暦 date.
- ``HalfWidthEdit``: numbers (郵便番号, 番地, 個人番号): full-width digits become half-width,
  the IME is asked for digits.
- ``RelationshipEdit``: 続柄, checked against the j110 vocabulary as typed.

Each field says what is wrong through ``problem_changed`` (empty text: nothing), with a red
frame and the message as its tooltip. ``EnterAdvances`` makes Enter move to the next field
in the tab order, as on the paper form.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

from madoguchi.app.domain.individual_number import IndividualNumber, InvalidIndividualNumber
from madoguchi.app.domain.kana import is_katakana_name, to_katakana
from madoguchi.app.domain.relationship import InvalidRelationship, validate_relationship
from madoguchi.app.domain.wareki import InvalidDate, format_date_jp, parse_date

PROBLEM_STYLE = "border: 2px solid #b00020; background: #fff4f4"
DATE_HINT = "例: R8.10.30 / 令和8年10月30日 / 2026-10-30"


class ValidatedEdit(QLineEdit):
    """A line edit that knows whether its text is acceptable; ``problem`` says why not."""

    problem_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._problem = ""
        self.editingFinished.connect(self.revalidate)

    @property
    def problem(self) -> str:
        """What is wrong with the text now ("" when nothing is)."""
        return self._problem

    def revalidate(self) -> None:
        """Judge the text again (on leaving the field, or after a programmatic change)."""
        self._set_problem(self.judge(self.text()))

    def judge(self, text: str) -> str:
        """The problem of ``text``; subclasses say what they accept."""
        return ""

    def _set_problem(self, problem: str) -> None:
        if problem == self._problem:
            return
        self._problem = problem
        self.setStyleSheet(PROBLEM_STYLE if problem else "")
        self.setToolTip(problem)
        self.problem_changed.emit(problem)

    def set_value(self, text: str) -> None:
        """Fill the field from data (a prefill, a draft) and judge it."""
        self.setText(text)
        self.revalidate()


def _replace_keeping_cursor(edit: QLineEdit, old: str, new: str) -> None:
    if new == old:
        return
    from_end = len(old) - edit.cursorPosition()
    edit.setText(new)
    edit.setCursorPosition(max(0, len(new) - from_end))


class KanaEdit(ValidatedEdit):
    """フリガナ: typed kana become full-width katakana; other characters are an error."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText)
        self.textEdited.connect(self._to_katakana)

    def _to_katakana(self, text: str) -> None:
        converted = to_katakana(text)
        if text[-1:].isspace() and converted:
            converted += " "  # to_katakana trims; keep the space being typed
        _replace_keeping_cursor(self, text, converted)

    def judge(self, text: str) -> str:
        """Empty, or full-width katakana only."""
        if not text.strip() or is_katakana_name(text):
            return ""
        return self.tr("フリガナは全角カタカナで入力してください（ひらがなは自動で変換します）。")

    def set_value(self, text: str) -> None:
        """Fill from data, converted to katakana as if typed."""
        super().set_value(to_katakana(text) if text else "")


class WarekiDateEdit(ValidatedEdit):
    """A date in 和暦 or 西暦; shown normalised (和暦, or 西暦 when ``western``)."""

    def __init__(self, parent: QWidget | None = None, *, western: bool = False) -> None:
        super().__init__(parent)
        self._western = western
        self.setPlaceholderText(DATE_HINT)
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhDate | Qt.InputMethodHint.ImhNoPredictiveText
        )

    def judge(self, text: str) -> str:
        """Empty or a date parse_date accepts; the field then shows it normalised."""
        if not text.strip():
            return ""
        try:
            value = parse_date(text)
        except InvalidDate as problem:
            return str(problem)
        shown = format_date_jp(value, western=self._western)
        if shown != text:
            self.setText(shown)
        return ""

    def date(self) -> dt.date | None:
        """The date typed, or None when empty or unreadable."""
        text = self.text().strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except InvalidDate:
            return None

    def set_date(self, value: dt.date | None) -> None:
        """Show ``value`` (None: empty)."""
        self.set_value(format_date_jp(value, western=self._western) if value else "")

    def iso_or_text(self) -> str:
        """The ISO date when readable, else the raw text (the service then names the problem)."""
        value = self.date()
        return value.isoformat() if value else self.text().strip()


class HalfWidthEdit(ValidatedEdit):
    """Numbers typed half-width: full-width digits and hyphens are folded as typed.

    ``allowed`` are the characters kept besides digits; ``check`` judges the whole text.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        allowed: str = "",
        check: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._allowed = allowed
        self._check = check
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.textEdited.connect(self._fold)

    def _fold(self, text: str) -> None:
        folded = unicodedata.normalize("NFKC", text).replace("ー", "-").replace("−", "-")
        kept = "".join(c for c in folded if (c.isascii() and c.isdigit()) or c in self._allowed)
        _replace_keeping_cursor(self, text, kept)

    def judge(self, text: str) -> str:
        """The ``check`` given, if any."""
        return self._check(text) if self._check is not None and text.strip() else ""


def individual_number_problem(text: str) -> str:
    """What is wrong with a typed 個人番号 (the message never holds the number)."""
    try:
        IndividualNumber.parse(text)
    except InvalidIndividualNumber as problem:
        return str(problem)
    return ""


def individual_number_edit(parent: QWidget) -> HalfWidthEdit:
    """A 個人番号 field: 12 digits with the check digit, never shown nor copied."""
    edit = HalfWidthEdit(parent, check=individual_number_problem)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(12)
    edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData)
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    edit.setPlaceholderText(parent.tr("12桁"))
    return edit


class RelationshipEdit(ValidatedEdit):
    """続柄 as the register writes it (standard j110); the message suggests the right form."""

    def judge(self, text: str) -> str:
        """Empty, or a 続柄 of the vocabulary."""
        if not text.strip():
            return ""
        try:
            validate_relationship(text)
        except InvalidRelationship as problem:
            return str(problem)
        return ""


def focusable(widget: QWidget) -> bool:
    """Whether Tab could stop at ``widget`` now."""
    return (
        widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.focusProxy() is None
    )


def focus_next(widget: QWidget) -> None:
    """Move the focus to the next widget of the tab chain, as Tab would."""
    candidate = widget.nextInFocusChain()
    while candidate is not None and candidate is not widget:
        if focusable(candidate) and candidate.window() is widget.window():
            candidate.setFocus(Qt.FocusReason.TabFocusReason)
            return
        candidate = candidate.nextInFocusChain()


class EnterAdvances(QObject):
    """Enter in a field, a combo box, a check box or a list moves to the next field.

    Push buttons keep Enter (it presses them); a field that handles Enter itself is marked
    with the property ``enter_advances = False`` and left alone.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Swallow Return/Enter on the watched input and move the focus on."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if isinstance(watched, QComboBox) and watched.view().isVisible():
            return False  # Enter chooses in an open list
        focus_next(watched)
        return True

    def watch(self, root: QWidget) -> None:
        """Install on every input under ``root`` (call again after adding rows)."""
        kinds = (QLineEdit, QComboBox, QCheckBox, QAbstractItemView)
        for widget in root.findChildren(QWidget):
            if not isinstance(widget, kinds):
                continue
            if widget.window() is not root.window() or widget.property("enter_advances") is False:
                continue  # a combo box's popup list, or a field that handles Enter itself
            widget.removeEventFilter(self)
            widget.installEventFilter(self)
