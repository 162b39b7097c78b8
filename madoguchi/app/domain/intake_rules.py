"""The intake rules as data (R-INTAKE-2, R-INTAKE-3, standard/j1440.txt).

An **error** blocks saving; an **alert** is shown and saved only when the operator confirms
it. Every rule has a stable code, a cause and a fix, so the message tells staff what is wrong
and what to do. The checks themselves are in ``services/intake``; here are only the catalogue
and the date rules, which need nothing but the form and today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from madoguchi.app.domain.intake import IntakeForm, IntakeKind

LATE_DAYS: Final = 14
"""住基法 §22–25: a notification is due within 14 days of the move."""


class Level(StrEnum):
    """Blocks saving, or needs an explicit confirmation."""

    ERROR = "error"
    ALERT = "alert"


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue."""

    code: str
    level: Level
    cause: str
    fix: str


def _error(code: str, cause: str, fix: str) -> Rule:
    return Rule(code, Level.ERROR, cause, fix)


def _alert(code: str, cause: str, fix: str) -> Rule:
    return Rule(code, Level.ALERT, cause, fix)


MOVED_ON_MISSING = _error("E01", "異動日が入力されていません。", "異動日を入力してください。")
MOVED_ON_FUTURE = _error(
    "E02",
    "異動日が今日より後の日付です。",
    "転出以外の届出では、異動日に今日以前の日付を入力してください。",
)
NOTIFIED_ON_FUTURE = _error(
    "E03", "届出日が今日より後の日付です。", "届出日には今日以前の日付を入力してください。"
)
NOTIFIED_BEFORE_MOVE = _error(
    "E04",
    "届出日が異動日より前です。",
    "転入・転居・世帯変更は異動の後に届け出るものです。異動日と届出日を確認してください。",
)
LATE_NOTIFICATION = _alert(
    "A01",
    f"異動日から{LATE_DAYS}日を過ぎた届出です。",
    "遅れた理由を聴取してから受け付けてください。簡易裁判所への届出期間経過通知の一覧に載ります。",
)
LATE_MOVE_OUT = _alert(
    "A02",
    f"転出日から{LATE_DAYS}日を過ぎた転出届です。",
    "届出ではなく職権で記載します（standard j640）。内容を確認してください。",
)
ALREADY_RESIDENT = _error(
    "E05",
    "この方はすでに本市の住民です。",
    "転入ではなく転居または世帯変更で受け付けるか、検索で本人を確認してください。",
)
MOVE_WITHIN_CHANGES_PERSON = _error(
    "E06",
    "転居の届出で住所と世帯以外の項目が変更されています。",
    "氏名・生年月日などの変更は転居では受け付けられません。該当の届出・職権修正で処理してください。",
)
NO_DESTINATION = _error(
    "E07",
    "転出先の住所が入力されていません。",
    "転出先（予定）の住所を、少なくとも市区町村まで入力してください。",
)
HOUSEHOLDER_LEAVES = _alert(
    "A03",
    "世帯主が世帯を離れ、2人以上の世帯員が残ります。",
    "先に世帯主変更の届出を受け付けてください（standard j490）。"
    "このまま進める場合は確認してください。",
)
SOLE_MEMBER_BECOMES_HOUSEHOLDER = _alert(
    "A04",
    "世帯主が世帯を離れ、世帯員が1人残ります。",
    "残る世帯員を職権で世帯主とします（standard j490）。確認してください。",
)
BAD_INDIVIDUAL_NUMBER = _error(
    "E08",
    "個人番号のチェックデジットが合いません。",
    "12桁の個人番号を、カードまたは通知書で確認して入力し直してください。",
)
BAD_RELATIONSHIP = _error(
    "E09", "続柄が使用できる表記ではありません。", "続柄を住民票の表記で入力してください。"
)
NO_MATCHING_CERTIFICATE = _error(
    "E10",
    "特例転入に対応する転出証明書情報がありません。",
    "住基ネットで転出証明書情報を受信しているか確認するか、転出証明書による国内転入で受け付けてください。",
)
NOTIFIER_NO_RIGHT = _error(
    "E11",
    "届出人に届出の資格がありません。",
    "本人・世帯主・同一世帯員、または委任状を持つ代理人からの届出として受け付けてください。",
)
AGENT_WITHOUT_POWER_OF_ATTORNEY = _error(
    "E12",
    "代理人による届出ですが、委任状を受け取っていません。",
    "委任状を受け取り、本人確認の欄で「委任状あり」にしてください。",
)
IDENTITY_CHECK_MISSING = _error(
    "E13",
    "本人確認が記録されていません。",
    "窓口に来た方と確認した本人確認書類を入力してください。",
)
DOCUMENTS_INSUFFICIENT = _error(
    "E14",
    "本人確認書類が足りません。",
    "写真付きの書類を1点、または写真のない書類を2点確認して入力してください。",
)
REQUIRED_MISSING = _error(
    "E15",
    "必須の項目が入力されていません。",
    "氏名、フリガナ、生年月日、性別、続柄を入力してください。",
)
KANA_NOT_KATAKANA = _error(
    "E16", "フリガナにカタカナ以外の文字があります。", "フリガナは全角カタカナで入力してください。"
)
NOT_A_CURRENT_RESIDENT = _error(
    "E17",
    "異動する方が本市の現在の住民ではありません。",
    "検索で本人を選び直してください（除票の方は転出・転居できません）。",
)
SEVERAL_HOUSEHOLDS = _error(
    "E18",
    "異動する方が複数の世帯にまたがっています。",
    "1件の届出では1つの世帯の方を選んでください。",
)
NO_MOVERS = _error("E19", "異動する方が選ばれていません。", "異動する方を1人以上選んでください。")
NO_HOUSEHOLDER = _error(
    "E20",
    "新しい世帯の世帯主が決まっていません。",
    "新しい世帯では、異動する方のうち1人の続柄を「世帯主」にしてください。",
)
DESTINATION_MISSING = _error(
    "E21",
    "異動後の住所が入力されていません。",
    "町字と番地を入力してください（郵便番号から町字を選べます）。",
)
ADDRESS_UNKNOWN = _error(
    "E22",
    "異動後の町字が住所辞書にありません。",
    "郵便番号または町字の候補から選び直してください。",
)
SAME_ADDRESS = _error(
    "E23",
    "転居先が現在の住所・方書と同じです。",
    "新しい住所を入力してください。同じ番地の別の建物なら方書を入力してください。",
)
NEW_HOUSEHOLDER_NOT_MEMBER = _error(
    "E24",
    "新しい世帯主がこの世帯の現在の世帯員ではありません。",
    "世帯員の中から新しい世帯主を選んでください。",
)
RELATIONSHIP_NOT_RESET = _alert(
    "A05",
    "世帯主変更の後、続柄が以前の世帯主から見たままの世帯員がいます。",
    "新しい世帯主から見た続柄に設定し直してください（standard j730）。"
    "このままなら確認してください。",
)
MERGE_TARGET_INVALID = _error(
    "E25",
    "合併先の世帯が正しくありません。",
    "現在の世帯とは別の、本市の既存の世帯を合併先に選んでください。",
)
NO_FORMER_RECORD = _error(
    "E26",
    "再転入ですが、この方の除票が見つかりません。",
    "個人番号・住民票コードを確認するか、国内転入として受け付けてください。",
)
DUPLICATE_MOVER = _error(
    "E27", "同じ方が2回選ばれています。", "異動する方の一覧から重複を取り除いてください。"
)
RESIDENCE_ITEMS_MISSING = _error(
    "E28",
    "外国人住民の在留資格・在留期間・在留カード番号が入力されていません。",
    "在留カードを確認して入力してください。",
)
BIRTH_AFTER_MOVE = _error(
    "E29",
    "生年月日が異動日より後です。",
    "生年月日と異動日を確認してください（出生は出生届で記載します）。",
)
OPEN_DRAFT_EXISTS = _alert(
    "A06",
    "この方の別の仮登録がまだ決裁されていません。",
    "審査待ちの届出と重複していないか確認してください。",
)
BAD_DATE = _error(
    "E30",
    "日付を読み取れません。",
    "生年月日は「昭和55年2月17日」または「1980-02-17」の形で入力してください。",
)
SPLIT_WHOLE_HOUSEHOLD = _error(
    "E31",
    "世帯分離で世帯員の全員が選ばれています。",
    "新しい世帯に移る方だけを選んでください。全員の住所が変わるなら転居です。",
)
NOTHING_CHANGES = _error(
    "E32",
    "変更する内容がありません。",
    "新しい続柄または世帯主を入力してください。",
)
NO_CARD_FOR_SPECIAL_MOVE_OUT = _error(
    "E33",
    "特例転出ですが、この方はマイナンバーカードの交付を受けていません。",
    "転出証明書を交付する通常の転出で受け付けてください。",
)

RULES: Final[tuple[Rule, ...]] = tuple(
    value for value in list(globals().values()) if isinstance(value, Rule)
)


@dataclass(frozen=True)
class Finding:
    """One rule that fired, about one person or item."""

    rule: Rule
    subject: str = ""
    detail: str = ""

    @property
    def level(self) -> Level:
        """Error or alert."""
        return self.rule.level

    @property
    def key(self) -> str:
        """What the operator confirms: the rule and whom it is about."""
        return f"{self.rule.code}:{self.subject}"

    @property
    def message(self) -> str:
        """Cause and fix, in Japanese, naming the person when there is one."""
        who = f"【{self.subject}】" if self.subject else ""
        detail = f"（{self.detail}）" if self.detail else ""
        return f"{who}{self.rule.cause}{detail}{self.rule.fix}"


def date_findings(form: IntakeForm, today: dt.date) -> list[Finding]:
    """R-INTAKE-2 and standard j480/j570/j640: 異動日, 届出日 and lateness."""
    findings: list[Finding] = []
    moving_out = form.kind == IntakeKind.MOVE_OUT
    if form.notified_on > today:
        findings.append(Finding(NOTIFIED_ON_FUTURE))
    if form.moved_on is None:
        findings.append(Finding(MOVED_ON_MISSING))
        return findings
    if form.moved_on > today and not moving_out:
        findings.append(Finding(MOVED_ON_FUTURE))
    if not moving_out and form.notified_on < form.moved_on:
        findings.append(Finding(NOTIFIED_BEFORE_MOVE))
    if is_late(form):
        findings.append(Finding(LATE_MOVE_OUT if moving_out else LATE_NOTIFICATION))
    return findings


def is_late(form: IntakeForm) -> bool:
    """Filed more than 14 days after the move (a 転出 is then recorded ex officio)."""
    if form.moved_on is None:
        return False
    return (form.notified_on - form.moved_on).days > LATE_DAYS
