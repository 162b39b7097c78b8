"""Name and residence data for the demo city's foreign residents (住基法 §30-45), all synthetic.

Each nationality has family names and given names by sex as (written, katakana) pairs and
the residence statuses (在留資格) typical of it, with their usual periods of stay. For the
nationalities whose names are written in kanji (中国, 台湾, 韓国, 朝鮮) the written form is
kanji and the alphabet name is a romanization; for the others the written form is the
alphabet name itself, as on the 住民票.
"""

from __future__ import annotations

from dataclasses import dataclass

from madoguchi.app.demo_city.names import NamePart


def _parts(table: str) -> tuple[NamePart, ...]:
    """Parse ``written:kana`` items; ``_`` in a written form stands for a space."""
    parts: list[NamePart] = []
    for item in table.split():
        written, kana = item.split(":")
        parts.append(NamePart(written.replace("_", " "), kana))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Nationality:
    """Names and usual residence statuses of one nationality or region (国籍・地域)."""

    name: str
    weight: float
    kanji_names: bool
    family: tuple[NamePart, ...]
    male: tuple[NamePart, ...]
    female: tuple[NamePart, ...]
    romanized: dict[str, str]
    statuses: tuple[tuple[str, float], ...]


STATUS_PERIODS: dict[str, tuple[str, ...]] = {
    "技能実習": ("1年", "2年"),
    "特定技能": ("1年", "3年"),
    "留学": ("1年3月", "2年", "2年3月", "4年3月"),
    "技術・人文知識・国際業務": ("1年", "3年", "5年"),
    "家族滞在": ("1年", "3年", "5年"),
    "日本人の配偶者等": ("1年", "3年", "5年"),
    "永住者の配偶者等": ("1年", "3年"),
    "定住者": ("1年", "3年", "5年"),
    "技能": ("1年", "3年"),
    "教育": ("1年", "3年"),
    "経営・管理": ("1年", "3年"),
    "永住者": (),
}
"""在留資格 → usual 在留期間; 永住者 has none (no 在留期間満了日)."""

WORKER_STATUSES = frozenset({"技能実習", "特定技能", "留学", "技術・人文知識・国際業務", "技能"})

NATIONALITIES: tuple[Nationality, ...] = (
    Nationality(
        "中国",
        24,
        True,
        _parts(
            "王:ワン 李:リ 張:チョウ 劉:リュウ 陳:チン 楊:ヨウ 黄:コウ 趙:チョウ 周:シュウ 呉:ゴ"
        ),
        _parts("偉:ウェイ 強:チャン 磊:レイ 浩:ハオ 軍:ジュン 傑:ジエ 涛:タオ 明:ミン"),
        _parts("芳:ファン 静:ジン 麗:リー 敏:ミン 婷:ティン 娜:ナ 秀英:シュウエイ 雪:シュエ"),
        {
            "王": "WANG",
            "李": "LI",
            "張": "ZHANG",
            "劉": "LIU",
            "陳": "CHEN",
            "楊": "YANG",
            "黄": "HUANG",
            "趙": "ZHAO",
            "周": "ZHOU",
            "呉": "WU",
            "偉": "WEI",
            "強": "QIANG",
            "磊": "LEI",
            "浩": "HAO",
            "軍": "JUN",
            "傑": "JIE",
            "涛": "TAO",
            "明": "MING",
            "芳": "FANG",
            "静": "JING",
            "麗": "LI",
            "敏": "MIN",
            "婷": "TING",
            "娜": "NA",
            "秀英": "XIUYING",
            "雪": "XUE",
        },
        (
            ("永住者", 30),
            ("技術・人文知識・国際業務", 20),
            ("留学", 15),
            ("家族滞在", 12),
            ("技能実習", 8),
            ("日本人の配偶者等", 8),
            ("定住者", 4),
            ("経営・管理", 3),
        ),
    ),
    Nationality(
        "ベトナム",
        18,
        False,
        _parts(
            "NGUYEN:グエン TRAN:チャン LE:レ PHAM:ファム HOANG:ホアン VU:ヴー DANG:ダン BUI:ブイ"
        ),
        _parts(
            "VAN_AN:ヴァンアン DUC_MINH:ドゥックミン VAN_HUNG:ヴァンフン QUANG_HUY:クアンフイ "
            "MINH_TUAN:ミントゥアン VAN_NAM:ヴァンナム"
        ),
        _parts(
            "THI_HUONG:ティフオン THI_LAN:ティラン THU_TRANG:トゥチャン NGOC_ANH:ゴックアイン "
            "THI_MAI:ティマイ THANH_HA:タインハー"
        ),
        {},
        (
            ("技能実習", 40),
            ("特定技能", 20),
            ("留学", 15),
            ("技術・人文知識・国際業務", 15),
            ("家族滞在", 6),
            ("永住者", 4),
        ),
    ),
    Nationality(
        "韓国",
        12,
        True,
        _parts("金:キム 李:イ 朴:パク 崔:チェ 鄭:チョン 姜:カン 趙:チョ 尹:ユン"),
        _parts(
            "民俊:ミンジュン 志勲:ジフン 成浩:ソンホ 英哲:ヨンチョル 東旭:ドンウク 正植:ジョンシク"
        ),
        _parts("秀英:スヨン 智恩:ジウン 美英:ミヨン 恩恵:ウネ 順子:スンジャ 英姫:ヨンヒ"),
        {
            "金": "KIM",
            "李": "LEE",
            "朴": "PARK",
            "崔": "CHOI",
            "鄭": "JEONG",
            "姜": "KANG",
            "趙": "CHO",
            "尹": "YUN",
            "民俊": "MINJUN",
            "志勲": "JIHOON",
            "成浩": "SEONGHO",
            "英哲": "YEONGCHEOL",
            "東旭": "DONGWOOK",
            "正植": "JEONGSIK",
            "秀英": "SOOYOUNG",
            "智恩": "JIEUN",
            "美英": "MIYOUNG",
            "恩恵": "EUNHYE",
            "順子": "SUNJA",
            "英姫": "YOUNGHEE",
        },
        (("永住者", 30), ("技術・人文知識・国際業務", 30), ("留学", 20), ("日本人の配偶者等", 20)),
    ),
    Nationality(
        "フィリピン",
        9,
        False,
        _parts("SANTOS:サントス REYES:レイエス CRUZ:クルス BAUTISTA:バウティスタ GARCIA:ガルシア"),
        _parts("JOSE_MIGUEL:ホセミゲル MARK_ANTHONY:マークアンソニー JOHN_PAUL:ジョンポール"),
        _parts(
            "MARIA_CRISTINA:マリアクリスティーナ ANGELICA:アンジェリカ JOCELYN:ジョセリン "
            "MARICEL:マリセル"
        ),
        {},
        (
            ("永住者", 35),
            ("日本人の配偶者等", 20),
            ("定住者", 15),
            ("技能実習", 15),
            ("特定技能", 15),
        ),
    ),
    Nationality(
        "ブラジル",
        6,
        False,
        _parts(
            "SILVA:シルバ SANTOS:サントス OLIVEIRA:オリベイラ SOUZA:ソウザ "
            "TANAKA:タナカ YAMAMOTO:ヤマモト"
        ),
        _parts("RICARDO:リカルド LUCAS:ルーカス FELIPE:フェリペ MARCOS:マルコス"),
        _parts("ANA_PAULA:アナパウラ JULIANA:ジュリアナ FERNANDA:フェルナンダ CAMILA:カミラ"),
        {},
        (("永住者", 55), ("定住者", 35), ("日本人の配偶者等", 10)),
    ),
    Nationality(
        "ネパール",
        5,
        False,
        _parts("SHRESTHA:シュレスタ GURUNG:グルン TAMANG:タマン RAI:ライ THAPA:タパ"),
        _parts("RAM_BAHADUR:ラムバハドゥル BIKASH:ビカス SANJAY:サンジャイ"),
        _parts("SITA:シタ ANJALI:アンジャリ PRATIMA:プラティマ"),
        {},
        (("家族滞在", 30), ("技能", 25), ("留学", 30), ("技術・人文知識・国際業務", 15)),
    ),
    Nationality(
        "インドネシア",
        5,
        False,
        _parts("SAPUTRA:サプトラ WIJAYA:ウィジャヤ HIDAYAT:ヒダヤット SETIAWAN:セティアワン"),
        _parts("AGUS:アグス BUDI:ブディ RIZKY:リズキ"),
        _parts("DEWI:デウィ SITI:シティ PUTRI:プトリ"),
        {},
        (("技能実習", 55), ("特定技能", 40), ("留学", 5)),
    ),
    Nationality(
        "台湾",
        2,
        True,
        _parts("林:リン 陳:チン 黄:コウ 張:チョウ"),
        _parts("志明:シメイ 家豪:カゴウ 俊傑:シュンケツ"),
        _parts("淑芬:シュクフン 雅婷:ガテイ 怡君:イクン"),
        {
            "林": "LIN",
            "陳": "CHEN",
            "黄": "HUANG",
            "張": "CHANG",
            "志明": "CHIHMING",
            "家豪": "CHIAHAO",
            "俊傑": "CHUNCHIEH",
            "淑芬": "SHUFEN",
            "雅婷": "YATING",
            "怡君": "YICHUN",
        },
        (("永住者", 40), ("技術・人文知識・国際業務", 40), ("留学", 20)),
    ),
    Nationality(
        "アメリカ",
        2,
        False,
        _parts("SMITH:スミス JOHNSON:ジョンソン WILLIAMS:ウィリアムズ BROWN:ブラウン"),
        _parts("JOHN_MICHAEL:ジョンマイケル DAVID:デイビッド JAMES:ジェームズ"),
        _parts("EMILY_ANNE:エミリーアン SARAH:サラ JESSICA:ジェシカ"),
        {},
        (("教育", 35), ("技術・人文知識・国際業務", 25), ("永住者", 20), ("日本人の配偶者等", 20)),
    ),
)
"""Nationalities of the demo city's foreign residents, weighted like Japan's foreign population."""

KOREA = NATIONALITIES[2]
NORTH_KOREA_REGION = "朝鮮"
"""Region shown for special permanent residents who kept the 朝鮮 registration."""

ALIAS_SURNAMES: tuple[NamePart, ...] = (
    NamePart("金田", "カネダ"),
    NamePart("金本", "カネモト"),
    NamePart("新井", "アライ"),
    NamePart("松本", "マツモト"),
    NamePart("安田", "ヤスダ"),
    NamePart("木村", "キムラ"),
    NamePart("岩本", "イワモト"),
    NamePart("大山", "オオヤマ"),
)
"""通称 surnames of the kind long-settled residents use."""
