"""The address master of the demo city 架空県みどり市 and the other fictional places it names.

Everything here is invented. The prefecture code 99 does not exist (real codes stop at 47),
so the municipality code 99201 and every 11-digit address code built from it cannot be
mistaken for a real place. Postal codes are in 909-xxxx, a range picked for the demo; they
are not meant to match any real delivery area and must not be used as such.

An address code is municipality (5) + 町字 (3) + 丁目 (3); a 町字 without 丁目 (the rural
大字 areas) has 丁目 code 000.
"""

from __future__ import annotations

from dataclasses import dataclass

from madoguchi.app.domain.address import AddressCode, PostalCode, Town

PREFECTURE = "架空県"
MUNICIPALITY = "みどり市"
MUNICIPALITY_CODE = "99201"
"""Prefecture 99 does not exist, so no real place is implied."""

CHOME_NAMES = ("一丁目", "二丁目", "三丁目", "四丁目", "五丁目")
CHOME_KANA = ("イッチョウメ", "ニチョウメ", "サンチョウメ", "ヨンチョウメ", "ゴチョウメ")


@dataclass(frozen=True, slots=True)
class TownSpec:
    """One 町字 of the master: name, kana, number of 丁目 (0 for none), weight, postal code."""

    number: int
    name: str
    kana: str
    chome_count: int
    weight: float
    postal_code: str
    has_blocks: bool = True  # True: 番地 as 街区-号 ("3-12"); False: 大字 番地 ("1234-5")


def _parse(table: str) -> tuple[TownSpec, ...]:
    specs: list[TownSpec] = []
    for number, line in enumerate(table.strip().splitlines(), start=1):
        name, kana, chome, weight = line.split()
        specs.append(
            TownSpec(
                number=number,
                name=name,
                kana=kana,
                chome_count=int(chome),
                weight=float(weight),
                postal_code=f"90901{number:02d}",
                has_blocks=int(chome) > 0,
            )
        )
    return tuple(specs)


TOWN_SPECS: tuple[TownSpec, ...] = _parse(
    """
    本町 ホンマチ 5 9
    中央 チュウオウ 5 10
    栄町 サカエマチ 4 7
    緑が丘 ミドリガオカ 5 8
    旭町 アサヒマチ 3 5
    若葉台 ワカバダイ 4 7
    桜木町 サクラギチョウ 3 5
    駅前 エキマエ 3 6
    元町 モトマチ 3 4
    幸町 サイワイチョウ 3 4
    寿町 コトブキチョウ 2 3
    松原 マツバラ 4 5
    青葉町 アオバチョウ 3 4
    富士見 フジミ 4 5
    日の出町 ヒノデチョウ 3 4
    昭和町 ショウワチョウ 3 4
    春日 カスガ 4 5
    宮下 ミヤシタ 2 3
    川端 カワバタ 2 3
    城山 シロヤマ 3 4
    山手 ヤマテ 3 4
    柳町 ヤナギマチ 2 3
    錦町 ニシキチョウ 3 4
    新町 シンマチ 3 4
    平和台 ヘイワダイ 4 5
    曙町 アケボノチョウ 2 3
    美園 ミソノ 3 4
    泉 イズミ 3 3
    花園 ハナゾノ 3 4
    向陽台 コウヨウダイ 5 6
    ひばりが丘 ヒバリガオカ 4 5
    梅ケ丘 ウメガオカ 3 4
    大字上原 オオアザウエハラ 0 2
    大字下原 オオアザシモハラ 0 2
    大字小松 オオアザコマツ 0 1.5
    大字北沢 オオアザキタザワ 0 1.5
    大字西谷 オオアザニシヤ 0 1
    大字高畑 オオアザタカハタ 0 1
    大字赤坂 オオアザアカサカ 0 1
    大字深山 オオアザミヤマ 0 0.5
    """
)
"""The 40 町字 of みどり市 with their relative population weight."""


@dataclass(frozen=True, slots=True)
class TownRow:
    """One row of the address master (a 町字, or one 丁目 of it)."""

    code: str
    town_name: str
    chome: str | None
    kana: str
    postal_code: str
    has_blocks: bool
    weight: float

    @property
    def short_name(self) -> str:
        """町字 + 丁目 without prefecture and municipality, e.g. ``本町一丁目``."""
        return self.town_name + (self.chome or "")


def town_rows() -> tuple[TownRow, ...]:
    """Every row of the address master, in address-code order."""
    rows: list[TownRow] = []
    for spec in TOWN_SPECS:
        town = f"{MUNICIPALITY_CODE}{spec.number:03d}"
        if spec.chome_count == 0:
            rows.append(
                TownRow(
                    town + "000", spec.name, None, spec.kana, spec.postal_code, False, spec.weight
                )
            )
            continue
        for index in range(spec.chome_count):
            rows.append(
                TownRow(
                    code=f"{town}{index + 1:03d}",
                    town_name=spec.name,
                    chome=CHOME_NAMES[index],
                    kana=spec.kana + CHOME_KANA[index],
                    postal_code=spec.postal_code,
                    has_blocks=True,
                    # Outer 丁目 are a little less dense than the first ones.
                    weight=spec.weight / spec.chome_count * (1.2 - 0.1 * index),
                )
            )
    return tuple(rows)


OTHER_PLACES: tuple[str, ...] = (
    "架空県かすみ町",
    "架空県あさぎり市",
    "北架空県あおば市",
    "北架空県こだま市",
    "南架空県しおさい市",
    "南架空県ゆうなぎ町",
    "東架空県つばさ市",
    "西架空県はるかぜ市",
    "架空都みなと区",
    "架空都さくら区",
)
"""Fictional municipalities used for 転入前住所, 転出先 and 本籍 outside the city."""

OTHER_TOWNS: tuple[str, ...] = (
    "本町",
    "若松町",
    "中町",
    "東一丁目",
    "西二丁目",
    "南三丁目",
    "大通",
    "港町",
    "新田",
    "城東",
)
"""Town names combined with OTHER_PLACES to form fictional addresses outside the city."""


_DOMAIN_TOWNS: dict[str, Town] = {}


def domain_town(row: TownRow) -> Town:
    """The domain ``Town`` of a master row (cached)."""
    town = _DOMAIN_TOWNS.get(row.code)
    if town is None:
        town = Town(
            code=AddressCode(row.code),
            prefecture=PREFECTURE,
            municipality=MUNICIPALITY,
            town_name=row.town_name,
            chome=row.chome,
            kana=row.kana,
            postal_code=PostalCode(row.postal_code),
        )
        _DOMAIN_TOWNS[row.code] = town
    return town
