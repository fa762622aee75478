"""Personal ID numbers: shape, region code, birth date and check digit (SPEC §2.1, §12).

``reference/cn_ids.md`` §1 and §3 give the rules. Three types follow the GB 11643 layout
(address code, YYYYMMDD, sequence, ISO 7064 MOD 11-2 check): the resident ID card, the
HK/Macao/Taiwan residence permit (address code 810000/820000/830000) and the 2023
foreigner's permanent residence ID (``9`` + province + nationality + date). For those the
birth date, gender and province are derived, so a profile can be held to the number. The
other documents carry no check character and are checked for shape only.

python-stdnum supplies only the MOD 11-2 arithmetic: its ``cn.ric.validate`` refuses
residence permits, new foreigner cards and numbers whose county code is younger than the
holder (cn_ids.md §8.1). Structural checks run before the check digit so that the answer
names the part that is wrong (a month 13 says "birth date", not "check character").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from stdnum.iso7064 import mod_11_2

from identity_graph.core.crypto import normalize_identifier
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.labels import Named
from identity_graph.ids.types import PROVINCES, REGION_OF, Gender, IdType, RegionType

MESSAGES: dict[str, tuple[str, str]] = {
    "ID_NUMBER_LENGTH": (
        "证件号码应为 {expected} 位",
        "The ID number must be {expected} characters",
    ),
    "ID_NUMBER_FORMAT": (
        "证件号码格式不正确",
        "The ID number is not in the format of this ID type",
    ),
    "ID_NUMBER_CHECKSUM": (
        "证件号码校验位不正确，请核对号码",
        "The ID number's check character is wrong; please check the number",
    ),
    "ID_NUMBER_BIRTH_DATE": (
        "证件号码中的出生日期不存在",
        "The birth date in the ID number is not a real date",
    ),
    "ID_NUMBER_FUTURE_BIRTH": (
        "证件号码中的出生日期晚于今天",
        "The birth date in the ID number is in the future",
    ),
    "ID_NUMBER_PROVINCE": ("证件号码的地区代码无效", "The ID number's region code is not valid"),
    "ID_TYPE_REGION_MISMATCH": (
        "该证件类型不适用于所选地区",
        "This ID type does not belong to the selected region",
    ),
    "ID_NUMBER_PROFILE_MISMATCH": (
        "出生日期或性别与证件号码不一致",
        "The birth date or gender does not match the ID number",
    ),
}

# The earliest century the GB 11643 date field allows (cn_ids.md §1.4 regex: 18|19|20).
_EARLIEST_BIRTH = date(1800, 1, 1)
_PERMIT_AREAS = frozenset({"810000", "820000", "830000"})
_LEGACY_RESIDENT_ID = re.compile(r"[1-9][0-9]{14}")


@dataclass(frozen=True)
class ParsedId:
    """A valid ID number in its normalised form; derived fields are None when not encoded."""

    id_type: IdType
    number: str
    birth_date: date | None = None
    gender: Gender | None = None
    province: str | None = None


@dataclass(frozen=True)
class _Shape:
    lengths: frozenset[int]
    pattern: re.Pattern[str]

    @property
    def expected(self) -> str:
        """``18``, ``9/11`` or ``5-17``: the lengths as the error message shows them."""
        low, high = min(self.lengths), max(self.lengths)
        if len(self.lengths) > 2 and len(self.lengths) == high - low + 1:
            return f"{low}-{high}"
        return "/".join(str(length) for length in sorted(self.lengths))


def _shape(lengths: Iterable[int], pattern: str) -> _Shape:
    return _Shape(frozenset(lengths), re.compile(pattern))


# Regexes of cn_ids.md §9, with the date and address parts left to the layout checks. They
# spell [0-9], never \d: \d matches every Unicode digit NFKC leaves alone (Arabic-Indic ٣).
_SHAPES: Mapping[IdType, _Shape] = MappingProxyType(
    {
        IdType.RESIDENT_ID_CARD: _shape([18], r"[0-9]{17}[0-9X]"),
        IdType.HMT_RESIDENCE_PERMIT: _shape([18], r"[0-9]{17}[0-9X]"),
        IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: _shape(
            [15, 18], r"9[0-9]{16}[0-9X]|[A-Z]{3}[0-9]{12}"
        ),
        IdType.EXIT_ENTRY_PERMIT_HK_MACAO: _shape([9], r"C(?:[0-9]{8}|[A-HJ-NP-Z][0-9]{7})"),
        # No published format (cn_ids.md §3.4): permissive, the document goes to review.
        IdType.TRAVEL_PERMIT_TAIWAN: _shape(range(8, 11), r"[A-Z0-9]{8,10}"),
        IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO: _shape(
            [9, 11], r"[HM](?:[0-9]{8}|[0-9]{10})|[HM]A[0-9]{7}"
        ),
        IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN: _shape([8], r"[0-9]{8}"),
        IdType.FOREIGN_PASSPORT: _shape(range(5, 18), r"[A-Z0-9]{5,17}"),
    }
)


def _mainland_province(number: str) -> str | None:
    return number[:2] if number[:2] in PROVINCES else None


def _permit_province(number: str) -> str | None:
    # 国办发〔2018〕81号 第三条: HK 810000, Macao 820000, Taiwan 830000, nothing else.
    return number[:2] if number[:6] in _PERMIT_AREAS else None


def _foreigner_province(number: str) -> str | None:
    # 2023 card: "9" then the accepting authority's province code (cn_ids.md §3.6).
    return number[1:3] if number[1:3] in PROVINCES else None


_LAYOUTS: Mapping[IdType, Callable[[str], str | None]] = MappingProxyType(
    {
        IdType.RESIDENT_ID_CARD: _mainland_province,
        IdType.HMT_RESIDENCE_PERMIT: _permit_province,
        IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: _foreigner_province,
    }
)


def validate_id_number(
    id_type: IdType, value: str, field: str = "idNumber", *, today: date
) -> ParsedId:
    """The normalised number (NFKC, no whitespace, upper case) with what it encodes.

    Refuses the 15-digit legacy resident ID: only ``upgrade_legacy_resident_id`` takes it.
    """
    number = normalize_identifier(value)
    shape = _SHAPES[id_type]
    if len(number) not in shape.lengths:
        raise ValidationFailed.single(field, "ID_NUMBER_LENGTH", expected=shape.expected)
    if not shape.pattern.fullmatch(number):
        raise ValidationFailed.single(field, "ID_NUMBER_FORMAT")
    if id_type in _LAYOUTS and len(number) == 18:
        return _parse_gb11643(id_type, number, field, today)
    return ParsedId(id_type, number)


def _parse_gb11643(id_type: IdType, number: str, field: str, today: date) -> ParsedId:
    province = _LAYOUTS[id_type](number)
    if province is None:
        raise ValidationFailed.single(field, "ID_NUMBER_PROVINCE")
    birth_date = _real_date(number[6:14], field)
    if birth_date > today:
        raise ValidationFailed.single(field, "ID_NUMBER_FUTURE_BIRTH")
    if mod_11_2.calc_check_digit(number[:17]) != number[17]:
        raise ValidationFailed.single(field, "ID_NUMBER_CHECKSUM")
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return ParsedId(id_type, number, birth_date, gender, province)


def _real_date(yyyymmdd: str, field: str) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise ValidationFailed.single(field, "ID_NUMBER_BIRTH_DATE") from None
    if born < _EARLIEST_BIRTH:
        raise ValidationFailed.single(field, "ID_NUMBER_BIRTH_DATE")
    return born


def upgrade_legacy_resident_id(value: str, field: str = "idNumber") -> str:
    """A 15-digit GB 11643-1989 number as its 18-digit form, for the legacy import (SPEC §2.5).

    The 1989 number has a two-digit year and no check digit: ``19`` goes before the year and
    the MOD 11-2 character after the sequence (cn_ids.md §1.3).
    """
    number = normalize_identifier(value)
    if len(number) != 15:
        raise ValidationFailed.single(field, "ID_NUMBER_LENGTH", expected="15")
    if not _LEGACY_RESIDENT_ID.fullmatch(number):
        raise ValidationFailed.single(field, "ID_NUMBER_FORMAT")
    if _mainland_province(number) is None:
        raise ValidationFailed.single(field, "ID_NUMBER_PROVINCE")
    body = f"{number[:6]}19{number[6:]}"
    _real_date(body[6:14], field)
    return body + mod_11_2.calc_check_digit(body)


def check_region(region: RegionType, id_type: IdType, field: str = "idType") -> None:
    """Refuse an ID type that SPEC §4.3 does not list for the person's region."""
    if REGION_OF[id_type] != region:
        raise ValidationFailed.single(
            field, "ID_TYPE_REGION_MISMATCH", region=Named(region), idType=Named(id_type)
        )


def check_profile_agrees(
    parsed: ParsedId,
    birth_date: date | None,
    gender: Gender | None,
    field: str = "idNumber",
) -> None:
    """Refuse a declared birth date or gender that the number contradicts (SPEC §2.1).

    Values not declared, or not encoded in the number, are not compared.
    """
    if parsed.birth_date and birth_date and parsed.birth_date != birth_date:
        raise ValidationFailed.single(field, "ID_NUMBER_PROFILE_MISMATCH", mismatch="birthDate")
    if parsed.gender and gender and parsed.gender != gender:
        raise ValidationFailed.single(field, "ID_NUMBER_PROFILE_MISMATCH", mismatch="gender")
