"""Industry classification of enterprises: GB/T 4754-2017 (国民经济行业分类).

SPEC §12 asks: "ship GB/T 4754-2017 sections (A–T) and divisions (97) as a data file with
names; accept a 4-digit small-class code whose division exists; operators can load a full
small-class file". The sections and divisions live in ``data/gb4754_2017.json``. Without an
operator file any 4-digit code whose first two digits name a division is accepted; with one
(CSV, header ``code,zh,en``) only the small classes it lists are. A code may be preceded by
its section letter (``C3911``), which must then be the section owning the division.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from identity_graph.core.errors import ValidationFailed

_INPUT = re.compile(r"([A-T]?)([0-9]{4})")
_SMALL_CLASS = re.compile(r"[0-9]{4}")
_MAX_INPUT = 32  # far above "C3911" plus padding; longer input is not worth normalising
_Names = tuple[str, str | None]  # (zh, en) of a small class

MESSAGES: dict[str, tuple[str, str]] = {
    "INDUSTRY_CODE_FORMAT": (
        "行业代码应为 4 位数字，可在前面加门类字母（如 3911 或 C3911）",
        "The industry code must be 4 digits, optionally preceded by the section letter"
        " (such as 3911 or C3911)",
    ),
    "INDUSTRY_CODE_UNKNOWN": (
        "国民经济行业分类（GB/T 4754-2017）中没有这个行业代码",
        "GB/T 4754-2017 has no such industry code",
    ),
    "INDUSTRY_SECTION_MISMATCH": (
        "门类字母与行业代码不符",
        "The section letter does not match the industry code",
    ),
}


@dataclass(frozen=True)
class Division:
    code: str  # 2 digits, "01" to "97"
    zh: str
    en: str


@dataclass(frozen=True)
class Section:
    code: str  # one letter, "A" to "T"
    zh: str
    en: str
    divisions: tuple[Division, ...]


@dataclass(frozen=True)
class IndustryCode:
    code: str  # 4 digits, without the section letter
    section: str
    division: str
    name_zh: str  # the small class's name from the operator file, else the division's
    name_en: str | None  # None when the operator file leaves the English name blank


class IndustryCatalog:
    """The packaged sections and divisions, plus the operator's small classes if loaded."""

    def __init__(self, sections: tuple[Section, ...], small: Mapping[str, _Names] | None) -> None:
        self._sections = sections
        self._divisions = {d.code: (s, d) for s in sections for d in s.divisions}
        self._small_classes = small

    @classmethod
    def load(cls, small_class_file: Path | None = None) -> IndustryCatalog:
        sections = _packaged_sections()
        small = None if small_class_file is None else _read_small(small_class_file, sections)
        return cls(sections, small)

    @property
    def sections(self) -> tuple[Section, ...]:
        return self._sections

    def validate(self, value: str, field: str = "industry") -> IndustryCode:
        """``3911``, ``C3911`` or full-width forms. Only spaces (NFKC folds ideographic and
        no-break spaces into them) are trimmed: a control character anywhere is refused."""
        text = unicodedata.normalize("NFKC", value).strip(" ") if len(value) <= _MAX_INPUT else ""
        match = _INPUT.fullmatch(text.upper()) if text.isascii() else None
        if match is None:
            raise ValidationFailed.single(field, "INDUSTRY_CODE_FORMAT")
        letter, code = match.groups()
        found = self._divisions.get(code[:2])
        if found is None:
            raise ValidationFailed.single(field, "INDUSTRY_CODE_UNKNOWN")
        section, division = found
        if letter and letter != section.code:
            raise ValidationFailed.single(field, "INDUSTRY_SECTION_MISMATCH")
        names: _Names = (division.zh, division.en)
        if self._small_classes is not None:
            listed = self._small_classes.get(code)
            if listed is None:
                raise ValidationFailed.single(field, "INDUSTRY_CODE_UNKNOWN")
            names = listed
        return IndustryCode(code, section.code, division.code, *names)


@functools.cache
def _packaged_sections() -> tuple[Section, ...]:
    resource = files("identity_graph") / "data" / "gb4754_2017.json"
    raw = json.loads(resource.read_text(encoding="utf-8"))
    return tuple(
        Section(s["code"], s["zh"], s["en"], tuple(Division(**d) for d in s["divisions"]))
        for s in raw["sections"]
    )


def _read_small(path: Path, sections: tuple[Section, ...]) -> dict[str, _Names]:
    """Parse the operator's CSV; any bad row refuses the whole file with its line number."""
    divisions = {d.code for s in sections for d in s.divisions}
    small: dict[str, _Names] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        if (header := next(rows, None)) != ["code", "zh", "en"]:
            raise ValueError(f"{path}: the header must be 'code,zh,en', not {header!r}")
        for row in rows:
            where = f"{path}:{rows.line_num}"
            if not row:
                continue
            if len(row) != 3:
                raise ValueError(f"{where}: expected 3 columns (code,zh,en), found {len(row)}")
            code, zh, en = (cell.strip() for cell in row)
            if not _SMALL_CLASS.fullmatch(code):
                raise ValueError(f"{where}: {code!r} is not a 4-digit small-class code")
            if code[:2] not in divisions:
                raise ValueError(f"{where}: {code} is in division {code[:2]}, which does not exist")
            if code in small:
                raise ValueError(f"{where}: small class {code} is listed twice")
            if not zh:
                raise ValueError(f"{where}: small class {code} has no Chinese name")
            small[code] = (zh, en or None)
    if not small:
        raise ValueError(f"{path}: the file lists no small classes")
    return small
