"""Field cleaning for registration and profile changes (SPEC §2.1, §2.2, §12).

Each ``clean_*`` function normalises (NFKC, trimmed) and validates one group of fields and
records every failure in a ``Checks``, so one answer lists every field to fix. Field names
are the GraphQL input names; nested inputs pass a ``prefix`` such as
``legalRepresentative.``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from identity_graph.accounts.enums import LegalPersonType, UnitRegion
from identity_graph.core.validators import Checks, check_past_date, clean_text, optional_text
from identity_graph.ids.person import ParsedId, check_profile_agrees, check_region
from identity_graph.ids.person import validate_id_number as _validate_id_number
from identity_graph.ids.types import Gender, IdType, RegionType
from identity_graph.ids.units import parse_uscc

# Letters of any script with their combining marks (Thai, Devanagari, Arabic vowel signs),
# the middle dot of transliterated minority names (买买提·艾力), and the spaces, hyphens,
# apostrophes and dots of foreign names.
_NAME_PUNCTUATION = frozenset("·•.-' ")
_UNIT_PHONE = re.compile(r"\+?[0-9][0-9\- ]{4,30}")

MESSAGES = {
    "REAL_NAME_FORMAT": (
        "姓名只能包含文字、间隔号、空格、连字符和撇号",
        "A name may contain letters, the middle dot, spaces, hyphens and apostrophes only",
    ),
    "ID_VALIDITY_ORDER": (
        "证件有效期截止日期须晚于起始日期",
        "The document's expiry date must be after its issue date",
    ),
    "ID_VALIDITY_CONFLICT": (
        "长期有效的证件不能填写截止日期",
        "A long-term document has no expiry date",
    ),
    "ID_EXPIRED": ("证件已过有效期", "The document has expired"),
    "USCC_CHECKSUM_UNCONFIRMED": (
        "统一社会信用代码校验位不正确。如与营业执照完全一致，请勾选确认后重新提交，"
        "实名认证将转人工审核",
        "The credit code's check character is wrong. If it is exactly as on the licence,"
        " confirm it and submit again; verification will then go to manual review",
    ),
    "USCC_REQUIRED": (
        "境内单位（“其他”类型除外）须填写统一社会信用代码",
        "Domestic units other than type 'other' need a unified social credit code",
    ),
    "UNIT_IDENTIFIER_REQUIRED": (
        "港澳台及境外单位须填写单位唯一标识",
        "Units from Hong Kong, Macao, Taiwan or abroad need a unit identifier",
    ),
    "HOMEPAGE_INVALID": ("单位网址应以 http:// 或 https:// 开头", "Not an http(s) address"),
    "UNIT_PHONE_INVALID": ("单位电话格式不正确", "Not a valid telephone number"),
}


@dataclass(frozen=True)
class DocumentInput:
    """An identity document as typed: type, number and validity."""

    id_type: IdType
    id_number: str
    valid_from: date | None = None
    valid_until: date | None = None
    long_term: bool = False


@dataclass(frozen=True)
class CleanDocument:
    parsed: ParsedId
    valid_from: date | None
    valid_until: date | None
    long_term: bool


def _is_real_name(name: str) -> bool:
    if not unicodedata.category(name[0]).startswith("L"):
        return False
    return all(unicodedata.category(char)[0] in "LM" or char in _NAME_PUNCTUATION for char in name)


def clean_real_name(checks: Checks, value: str, field: str) -> str | None:
    name = checks.run(clean_text, value, field, max_length=50)
    if name is not None and not _is_real_name(name):
        checks.fail(field, "REAL_NAME_FORMAT")
        return None
    return name


def clean_document(
    checks: Checks, document: DocumentInput, *, today: date, prefix: str = ""
) -> CleanDocument | None:
    """The document's number per its type (cn_ids.md) and a coherent validity window."""
    parsed = None
    if not document.id_number.strip():  # missing, not of the wrong length: say so
        checks.fail(f"{prefix}idNumber", "REQUIRED")
    else:
        parsed = checks.run(
            _validate_id_number,
            document.id_type,
            document.id_number,
            f"{prefix}idNumber",
            today=today,
        )
    start, end = document.valid_from, document.valid_until
    if start is not None:
        checks.run(check_past_date, start, f"{prefix}idValidFrom", today=today)
    if end is not None and document.long_term:
        checks.fail(f"{prefix}idValidUntil", "ID_VALIDITY_CONFLICT")
    elif end is not None and start is not None and end <= start:
        checks.fail(f"{prefix}idValidUntil", "ID_VALIDITY_ORDER")
    elif end is not None and end < today:
        checks.fail(f"{prefix}idValidUntil", "ID_EXPIRED")
    if parsed is None:
        return None
    return CleanDocument(parsed, start, end, document.long_term)


def clean_person_document(
    checks: Checks,
    region: RegionType,
    document: DocumentInput,
    *,
    birth_date: date | None,
    gender: Gender | None,
    today: date,
) -> CleanDocument | None:
    """A natural person's document: the type must belong to the region, and the birth date
    and gender the number encodes must agree with the declared ones (SPEC §2.1)."""
    checks.run(check_region, region, document.id_type)
    if birth_date is not None:
        checks.run(check_past_date, birth_date, "birthDate", today=today)
    clean = clean_document(checks, document, today=today)
    if clean is not None:
        checks.run(check_profile_agrees, clean.parsed, birth_date, gender)
    return clean


@dataclass(frozen=True)
class UnitCodes:
    uscc: str | None
    uscc_checksum_ok: bool
    unit_identifier: str | None


def clean_unit_codes(
    checks: Checks,
    region: UnitRegion,
    legal_person_type: LegalPersonType,
    uscc: str | None,
    unit_identifier: str | None,
    *,
    accept_unchecked_uscc: bool,
    prefix: str = "unit.",
) -> UnitCodes:
    """The USCC or, for units from outside the mainland, the unit identifier (SPEC §2.2).

    A wrong USCC check character is refused unless the registrant confirms the code is
    exactly as printed: some real codes fail the check (SPEC §12), and such a unit then goes
    to manual review instead of the automatic registry check.
    """
    code = checks.run(optional_text, uscc, f"{prefix}uscc", max_length=40)
    # Upper-case first: some letters grow (ß -> SS), and the limit is the column's.
    identifier = checks.run(
        optional_text,
        unit_identifier.upper() if unit_identifier else None,
        f"{prefix}unitIdentifier",
        max_length=64,
    )
    parsed = checks.run(parse_uscc, code, f"{prefix}uscc") if code else None
    if parsed is not None and not parsed.checksum_ok and not accept_unchecked_uscc:
        checks.fail(f"{prefix}uscc", "USCC_CHECKSUM_UNCONFIRMED")
    needs_uscc = region == UnitRegion.DOMESTIC and legal_person_type != LegalPersonType.OTHER
    # "Required" only when nothing was typed; a malformed value has its own error already.
    if needs_uscc and not (uscc and uscc.strip()):
        checks.fail(f"{prefix}uscc", "USCC_REQUIRED")
    if region != UnitRegion.DOMESTIC and not (unit_identifier and unit_identifier.strip()):
        checks.fail(f"{prefix}unitIdentifier", "UNIT_IDENTIFIER_REQUIRED")
    return UnitCodes(
        parsed.number if parsed else None, parsed.checksum_ok if parsed else True, identifier
    )


def clean_homepage(checks: Checks, value: str | None, field: str) -> str | None:
    url = checks.run(optional_text, value, field, max_length=200)
    if url is not None and (urlsplit(url).scheme not in ("http", "https") or "." not in url):
        checks.fail(field, "HOMEPAGE_INVALID")
        return None
    return url


def clean_unit_phone(checks: Checks, value: str | None, field: str) -> str | None:
    phone = checks.run(optional_text, value, field, max_length=32)
    if phone is not None and not _UNIT_PHONE.fullmatch(phone):
        checks.fail(field, "UNIT_PHONE_INVALID")
        return None
    return phone


def clean_optional(checks: Checks, value: str | None, field: str, max_length: int) -> str | None:
    return checks.run(optional_text, value, field, max_length=max_length)


def clean_past_date(checks: Checks, value: date | None, field: str, today: date) -> date | None:
    return None if value is None else checks.run(check_past_date, value, field, today=today)
