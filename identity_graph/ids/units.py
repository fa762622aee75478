"""Unit identifiers: unified social credit code (GB 32100-2015) and organisation code
(GB 11714-1997), per SPEC §12 and ``reference/cn_ids.md`` §2.

Some genuinely issued codes fail their check character (cn_ids.md §2.3), and SPEC §12 sends
such a unit to manual review instead of refusing it. So each code has two entry points:
``parse_*`` refuses only malformed input and reports ``checksum_ok``; ``validate_*`` also
refuses a wrong check character. Registration uses the strict one, verification the
lenient one.

python-stdnum supplies the MOD 31 arithmetic only: its ``cn.uscc.validate`` refuses the
``A1``/``N1``/``Y1`` codes the 2016 amendment allows (cn_ids.md §8.1), and it has no
GB 11714 module, so that check is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc

from identity_graph.core.crypto import normalize_identifier
from identity_graph.core.errors import ValidationFailed

MESSAGES: dict[str, tuple[str, str]] = {
    "USCC_LENGTH": (
        "统一社会信用代码应为 18 位",
        "The unified social credit code must be 18 characters",
    ),
    "USCC_FORMAT": (
        "统一社会信用代码格式不正确（不使用 I、O、Z、S、V）",
        "The unified social credit code is malformed (I, O, Z, S and V are not used)",
    ),
    "USCC_CHECKSUM": (
        "统一社会信用代码校验位不正确，请核对",
        "The unified social credit code's check character is wrong; please check it",
    ),
    "ORG_CODE_LENGTH": (
        "组织机构代码应为 9 位",
        "The organisation code must be 9 characters",
    ),
    "ORG_CODE_FORMAT": ("组织机构代码格式不正确", "The organisation code is malformed"),
    "ORG_CODE_CHECKSUM": (
        "组织机构代码校验位不正确，请核对",
        "The organisation code's check character is wrong; please check it",
    ),
}

# GB 32100-2015 §4: 18 characters, positions 3-8 the registering authority's GB/T 2260 code.
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
# GB 11714-1997: 8 body characters, a hyphen for people to read, then the check character.
_ORG_CODE = re.compile(r"([0-9A-Z]{8})-?([0-9X])")
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class ParsedUscc:
    """A well-formed credit code split into its parts (cn_ids.md §2.1)."""

    number: str
    checksum_ok: bool

    @property
    def registration_authority(self) -> str:
        """Position 1: the registering department (``9`` market regulation, ``5`` civil affairs)."""
        return self.number[0]

    @property
    def category(self) -> str:
        """Position 2: the kind of unit within that department (``1`` enterprise…)."""
        return self.number[1]

    @property
    def region_code(self) -> str:
        """Positions 3-8: the GB/T 2260 code of the registering authority."""
        return self.number[2:8]

    @property
    def org_code(self) -> str:
        """Positions 9-17: the embedded GB 11714 organisation code."""
        return self.number[8:17]

    @property
    def org_code_checksum_ok(self) -> bool:
        """Whether the embedded organisation code carries its own valid check character.

        All real codes cn_ids.md §2.4 sampled do; a miss is a warning, never a refusal.
        """
        return org_code_check_character(self.org_code[:8]) == self.org_code[8]


@dataclass(frozen=True)
class ParsedOrgCode:
    """A well-formed organisation code, without its hyphen."""

    number: str
    checksum_ok: bool


def parse_uscc(value: str, field: str = "uscc") -> ParsedUscc:
    """The normalised code; refuses length and character-set errors, reports the check."""
    number = normalize_identifier(value)
    if len(number) != 18:
        raise ValidationFailed.single(field, "USCC_LENGTH")
    if not _USCC.fullmatch(number):
        raise ValidationFailed.single(field, "USCC_FORMAT")
    return ParsedUscc(number, uscc.calc_check_digit(number[:17]) == number[17])


def looks_like_uscc(value: str) -> bool:
    """Whether ``value`` has a credit code's shape (check character not considered)."""
    return bool(_USCC.fullmatch(normalize_identifier(value)))


def validate_uscc(value: str, field: str = "uscc") -> ParsedUscc:
    """Like ``parse_uscc``, and a wrong check character is refused too."""
    parsed = parse_uscc(value, field)
    if not parsed.checksum_ok:
        raise ValidationFailed.single(field, "USCC_CHECKSUM")
    return parsed


def org_code_check_character(body: str) -> str:
    """GB 11714 check for 8 body characters: ``11 - Σ(value·weight) mod 11``, 10 → X, 11 → 0."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def parse_org_code(value: str, field: str = "orgCode") -> ParsedOrgCode:
    """The normalised code (``XXXXXXXX-X`` or ``XXXXXXXXX`` in, nine characters out)."""
    number = normalize_identifier(value)
    if len(number) not in (9, 10):
        raise ValidationFailed.single(field, "ORG_CODE_LENGTH")
    match = _ORG_CODE.fullmatch(number)
    if match is None:
        raise ValidationFailed.single(field, "ORG_CODE_FORMAT")
    body, check = match.groups()
    return ParsedOrgCode(body + check, org_code_check_character(body) == check)


def validate_org_code(value: str, field: str = "orgCode") -> ParsedOrgCode:
    """Like ``parse_org_code``, and a wrong check character is refused too."""
    parsed = parse_org_code(value, field)
    if not parsed.checksum_ok:
        raise ValidationFailed.single(field, "ORG_CODE_CHECKSUM")
    return parsed
