"""続柄 (relationship to the householder): vocabulary (standard/j110.txt) and the
order of household members on 世帯連記式 certificates (standard/j1010.txt).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BASE_TERMS",
    "HOUSEHOLDER",
    "MAX_GENERATIONS",
    "RELATIONSHIP_CHOICES",
    "HouseholdMember",
    "InvalidRelationship",
    "household_order",
    "validate_relationship",
]

HOUSEHOLDER = "世帯主"
RELATIVE_BY_CIRCUMSTANCE = "縁故者"
LODGER = "同居人"
MAX_GENERATIONS = 4
"""j110 ③: at most four terms joined by の, counted mechanically."""

BASE_TERMS: tuple[str, ...] = (
    "夫",
    "妻",
    "夫（未届）",
    "妻（未届）",
    "子",
    "父",
    "母",
    "兄",
    "姉",
    "弟",
    "妹",
)
"""j110 ②. Its 「子（子の夫）」「子（子の妻）」 are the chains 子の夫 and 子の妻 (two terms)."""

_SPOUSES = frozenset({"夫", "妻", "夫（未届）", "妻（未届）"})
_PARENTS = frozenset({"父", "母"})
_SIBLINGS = frozenset({"兄", "姉", "弟", "妹"})

RELATIONSHIP_CHOICES: tuple[str, ...] = (
    HOUSEHOLDER,
    "妻",
    "夫",
    "妻（未届）",
    "夫（未届）",
    "子",
    "子の妻",
    "子の夫",
    "子の子",
    "父",
    "母",
    "兄",
    "姉",
    "弟",
    "妹",
    "父の父",
    "父の母",
    "母の父",
    "母の母",
    "妻の父",
    "妻の母",
    "夫の父",
    "夫の母",
    RELATIVE_BY_CIRCUMSTANCE,
    LODGER,
)
"""Common terms for a combo box; any other valid chain may also be typed."""

_SUGGESTIONS: dict[str, str] = {
    "祖父": "「父の父」または「母の父」",
    "祖母": "「父の母」または「母の母」",
    "孫": "「子の子」",
    "曾孫": "「子の子の子」",
    "ひ孫": "「子の子の子」",
    "叔父": "「父の弟」「母の弟」など",
    "伯父": "「父の兄」「母の兄」など",
    "おじ": "「父の兄」「父の弟」など",
    "叔母": "「父の妹」「母の妹」など",
    "伯母": "「父の姉」「母の姉」など",
    "おば": "「父の姉」「父の妹」など",
    "甥": "「兄の子」「弟の子」など",
    "姪": "「姉の子」「妹の子」など",
    "配偶者": "「夫」または「妻」",
    "内縁の夫": "「夫（未届）」",
    "内縁の妻": "「妻（未届）」",
    "婿": "「子の夫」",
    "嫁": "「子の妻」",
    "義父": "「妻の父」または「夫の父」",
    "義母": "「妻の母」または「夫の母」",
    "養子": "「子」",
    "養女": "「子」",
    "兄弟": "「兄」または「弟」",
    "姉妹": "「姉」または「妹」",
    "家事使用人": "「同居人」",
    "準世帯主": "「同居人」または該当する続柄",
}
_CHILD_WORDS = re.compile(r"(長|次|二|三|四|五|六|七|八|九|十)(男|女)|[0-9]+(男|女)")

_ALLOWED_FORMS = (
    "使用できる続柄は「世帯主」、「夫」「妻」「夫（未届）」「妻（未届）」「子」「父」「母」"
    "「兄」「姉」「弟」「妹」とそれらを「の」でつないだ4世代までのもの（例：「子の妻」"
    "「父の母」「子の子の子の子」）、「縁故者」、「同居人」です。"
)


class InvalidRelationship(ValueError):
    """Raised for a 続柄 outside the j110 vocabulary; the message names the allowed forms."""


def _normalize(text: str) -> str:
    compact = re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", text))
    compact = compact.replace("(", "（").replace(")", "）").replace("未届け", "未届")
    # 続柄 is always relative to the householder, so a leading 世帯主の is redundant.
    if compact.startswith(HOUSEHOLDER + "の"):
        compact = compact[len(HOUSEHOLDER) + 1 :]
    return compact


def _terms(relationship: str) -> list[str]:
    return relationship.split("の")


def validate_relationship(text: str) -> str:
    """Return the normalised 続柄 (full-width parentheses) or raise :class:`InvalidRelationship`."""
    term = _normalize(text)
    if not term:
        raise InvalidRelationship(f"続柄が入力されていません。{_ALLOWED_FORMS}")
    if term in (HOUSEHOLDER, RELATIVE_BY_CIRCUMSTANCE, LODGER):
        return term
    terms = _terms(term)
    if all(t in BASE_TERMS for t in terms):
        if len(terms) > MAX_GENERATIONS:
            raise InvalidRelationship(
                f"続柄「{term}」は{len(terms)}世代になるため使えません。"
                f"「の」でつなげるのは{MAX_GENERATIONS}世代までです。"
                "それより遠い親族は「縁故者」としてください。"
            )
        return term
    unknown = next(t for t in terms if t not in BASE_TERMS)
    suggestion = _SUGGESTIONS.get(unknown)
    if suggestion is None and _CHILD_WORDS.fullmatch(unknown):
        suggestion = "「子」"
    hint = f"「{unknown}」は{suggestion}と入力してください。" if suggestion else ""
    raise InvalidRelationship(f"続柄「{term}」は使えません。{hint}{_ALLOWED_FORMS}")


@dataclass(frozen=True)
class HouseholdMember:
    """What :func:`household_order` needs to know about one member of a household.

    ``birth_iso`` is the sortable birth date (``RegisterDate.iso()``).
    ``family_of`` optionally names the 宛名番号 of the 世帯主の子 (or the relative /
    縁故者) whose family this member belongs to; relationship terms alone cannot
    tell which child a 子の妻 is married to (j1010 第2順位・第4順位).
    """

    atena_no: str
    relationship: str
    birth_iso: str
    is_hittosha: bool = False
    family_of: str | None = None


# Sections of j1010, in print order.
_HEAD, _SPOUSE, _CHILD, _CHILD_FAMILY = 10, 11, 12, 20
_PARENT, _SIBLING, _GRANDPARENT = 30, 31, 32
_IN_LAW_PARENT, _IN_LAW_SIBLING, _IN_LAW_GRANDPARENT, _OTHER_RELATIVE = 40, 41, 42, 43
_RELATIVE_FAMILY, _KIN, _KIN_FAMILY, _LODGER = 44, 45, 46, 47

_SortKey = tuple[object, ...]


def _section(relationship: str) -> int:
    """Return the j1010 section of a member who is not part of a family group."""
    term = _normalize(relationship)
    if term == HOUSEHOLDER:
        return _HEAD
    if term == RELATIVE_BY_CIRCUMSTANCE:
        return _KIN
    if term == LODGER:
        return _LODGER
    terms = _terms(term)
    if len(terms) == 1:
        t = terms[0]
        if t in _SPOUSES:
            return _SPOUSE
        if t == "子":
            return _CHILD
        if t in _PARENTS:
            return _PARENT
        if t in _SIBLINGS:
            return _SIBLING
    if terms[0] == "子":
        return _CHILD_FAMILY
    if len(terms) == 2 and terms[0] in _PARENTS and terms[1] in _PARENTS:
        return _GRANDPARENT
    if terms[0] in _SPOUSES:
        rest = terms[1:]
        if len(rest) == 1 and rest[0] in _PARENTS:
            return _IN_LAW_PARENT
        if len(rest) == 1 and rest[0] in _SIBLINGS:
            return _IN_LAW_SIBLING
        if len(rest) == 2 and rest[0] in _PARENTS and rest[1] in _PARENTS:
            return _IN_LAW_GRANDPARENT
    return _OTHER_RELATIVE


def _person(m: HouseholdMember) -> _SortKey:
    return (m.birth_iso, m.atena_no, m.relationship, m.is_hittosha, m.family_of or "")


def _parent_like(m: HouseholdMember) -> _SortKey:
    # 父母・祖父母: the 筆頭者 first, then by birth (j1010 3-1, 3-3).
    return (0 if m.is_hittosha else 1, *_person(m))


_FAMILY_HEAD_SECTIONS = frozenset(
    {_CHILD, _SIBLING, _IN_LAW_PARENT, _IN_LAW_SIBLING, _IN_LAW_GRANDPARENT, _OTHER_RELATIVE, _KIN}
)
_FAMILY_MEMBER_SECTIONS = frozenset(
    {_CHILD_FAMILY, _IN_LAW_PARENT, _IN_LAW_SIBLING, _IN_LAW_GRANDPARENT, _OTHER_RELATIVE, _KIN}
)


def _joins_family(
    m: HouseholdMember, by_atena: dict[str, HouseholdMember], sections: dict[str, int]
) -> bool:
    """True when ``m.family_of`` names a member who can head a family ``m`` can belong to."""
    head = m.family_of
    if head is None or head == m.atena_no or head not in by_atena:
        return False
    head_section, own_section = sections[head], sections[m.atena_no]
    if head_section not in _FAMILY_HEAD_SECTIONS or own_section not in _FAMILY_MEMBER_SECTIONS:
        return False
    # A 世帯主の子's family holds 子の… members; other families hold relatives or 縁故者.
    return (head_section == _CHILD) == (own_section == _CHILD_FAMILY)


def household_order(members: Sequence[HouseholdMember]) -> list[HouseholdMember]:
    """Return ``members`` in the j1010 order of a 世帯連記式 certificate.

    第1順位 世帯主, 配偶者, 子 (by birth, then 宛名番号); 第2順位 the families of the
    世帯主's children, each family after its child's birth order (child, spouse,
    then descendants); 第3順位 父母 (筆頭者 first), 兄弟姉妹, 祖父母; 第4順位 the
    spouse's 父母・兄弟姉妹・祖父母, other relatives, relatives' families,
    縁故者 (and their families), 同居人. The result is deterministic.
    """
    by_atena = {m.atena_no: m for m in members}
    sections = {m.atena_no: _section(m.relationship) for m in members}
    family_heads = {
        m.family_of for m in members if _joins_family(m, by_atena, sections) and m.family_of
    }

    def head_of(m: HouseholdMember) -> str | None:
        if m.atena_no in family_heads:
            return m.atena_no
        if m.family_of in family_heads and _joins_family(m, by_atena, sections):
            return m.family_of
        return None

    def key(m: HouseholdMember) -> _SortKey:
        head_no = head_of(m)
        if head_no is None:
            section = sections[m.atena_no]
            if section == _CHILD_FAMILY:  # a child's family member not linked to a child
                terms = _terms(_normalize(m.relationship))
                inner = 1 if len(terms) == 2 and terms[1] in _SPOUSES else 2
                return (section, 1, (), inner, len(terms), *_person(m))
            if section in (_PARENT, _GRANDPARENT, _IN_LAW_PARENT, _IN_LAW_GRANDPARENT):
                return (section, 0, (), 0, 0, *_parent_like(m))
            return (section, 0, (), 0, 0, *_person(m))
        head = by_atena[head_no]
        head_section = sections[head_no]
        if head_section == _CHILD:
            section, group = _CHILD_FAMILY, (0, *_person(head))
        else:
            section = _KIN_FAMILY if head_section == _KIN else _RELATIVE_FAMILY
            generation = len(_terms(_normalize(head.relationship)))
            group = (generation, *_person(head))
        if m is head:
            inner = 0
        else:
            terms = _terms(_normalize(m.relationship))
            head_terms = _terms(_normalize(head.relationship))
            is_spouse = terms[:-1] == head_terms and terms[-1] in _SPOUSES
            inner = 1 if is_spouse else 2
        generation = len(_terms(_normalize(m.relationship)))
        return (section, 0, group, inner, generation, *_person(m))

    return sorted(members, key=key)
