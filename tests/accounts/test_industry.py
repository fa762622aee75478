"""GB/T 4754-2017 industry codes (SPEC §12): the packaged sections and divisions, the
accepted code shapes, one refusal per code, and the operator's small-class file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from identity_graph.accounts.industry import MESSAGES, IndustryCatalog, IndustryCode
from identity_graph.core.errors import ValidationFailed

# Division ranges per section, as GB/T 4754-2017 lays them out.
RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> IndustryCatalog:
    return IndustryCatalog.load()


def refusal(catalog: IndustryCatalog, value: str, field: str = "industry") -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        catalog.validate(value, field)
    [error] = caught.value.errors
    return error.field, error.code


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "small_classes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_twenty_sections_a_to_t(catalog: IndustryCatalog) -> None:
    assert [s.code for s in catalog.sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert all(s.zh and s.en for s in catalog.sections)


def test_ninety_seven_divisions_each_once_in_its_sections_range(catalog: IndustryCatalog) -> None:
    codes = [d.code for s in catalog.sections for d in s.divisions]
    assert sorted(codes) == [f"{n:02d}" for n in range(1, 98)]
    assert len(codes) == len(set(codes)) == 97
    for section in catalog.sections:
        low, high = RANGES[section.code]
        assert [int(d.code) for d in section.divisions] == list(range(low, high + 1))
        assert all(d.zh and d.en for d in section.divisions)


def test_official_names(catalog: IndustryCatalog) -> None:
    sections = {s.code: s for s in catalog.sections}
    divisions = {d.code: d.zh for s in catalog.sections for d in s.divisions}
    assert sections["A"].zh == "农、林、牧、渔业"
    assert sections["I"].zh == "信息传输、软件和信息技术服务业"
    assert divisions["13"] == "农副食品加工业"
    assert divisions["39"] == "计算机、通信和其他电子设备制造业"
    assert divisions["65"] == "软件和信息技术服务业"
    assert divisions["96"] == "基层群众自治组织及其他组织"


def test_packaged_data_is_read_once() -> None:
    assert IndustryCatalog.load().sections is IndustryCatalog.load().sections


@pytest.mark.parametrize("value", ["3911", "C3911", "c3911", "Ｃ３９１１", "３９１１", "　C3911 "])
def test_valid_codes(catalog: IndustryCatalog, value: str) -> None:
    assert catalog.validate(value) == IndustryCode(
        "3911", "C", "39", "计算机、通信和其他电子设备制造业",
        "Manufacture of computers, communication and other electronic equipment",
    )  # fmt: skip


@pytest.mark.parametrize("value", ["0111", "A0111", "9700", "T9700"])
def test_first_and_last_divisions(catalog: IndustryCatalog, value: str) -> None:
    assert catalog.validate(value).code == value[-4:]


@pytest.mark.parametrize(
    "value",
    [
        "391", "39111", "abcd", "", "   ", "C", "CC3911", "3911C", "C 3911", "Z3911", "39.1",
        "39\x0011", "\x003911", "3911\n", "\t3911", "3911\x7f", "39\u200b11",
        "٣٩١١",  # Arabic-Indic digits are digits to Unicode, not to the standard
        "ı3911",  # dotless i upper-cases to an ASCII "I"
        "3" * 10_000,
    ],
)  # fmt: skip
def test_wrong_format(catalog: IndustryCatalog, value: str) -> None:
    assert refusal(catalog, value, "industryCode") == ("industryCode", "INDUSTRY_CODE_FORMAT")


@pytest.mark.parametrize("value", ["9800", "0000", "9911", "C9800"])
def test_unknown_division(catalog: IndustryCatalog, value: str) -> None:
    assert refusal(catalog, value) == ("industry", "INDUSTRY_CODE_UNKNOWN")


@pytest.mark.parametrize("value", ["A3911", "D3911", "T3911", "C0111", "a6511"])
def test_section_mismatch(catalog: IndustryCatalog, value: str) -> None:
    assert refusal(catalog, value) == ("industry", "INDUSTRY_SECTION_MISMATCH")


def test_operator_file_lists_the_accepted_small_classes(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "\ufeffcode,zh,en\n3911,计算机整机制造,Manufacture of computers\n\n6511, 基础软件开发 ,\n",
    )
    catalog = IndustryCatalog.load(path)
    assert catalog.validate("C3911") == IndustryCode(
        "3911", "C", "39", "计算机整机制造", "Manufacture of computers"
    )
    assert catalog.validate("６５１１") == IndustryCode("6511", "I", "65", "基础软件开发", None)
    assert refusal(catalog, "3912") == ("industry", "INDUSTRY_CODE_UNKNOWN")
    assert refusal(catalog, "9800") == ("industry", "INDUSTRY_CODE_UNKNOWN")
    assert refusal(catalog, "A3911") == ("industry", "INDUSTRY_SECTION_MISMATCH")
    assert len(catalog.sections) == 20


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("code,name\n3911,计算机整机制造\n", "header"),
        ("", "header"),
        ("code,zh,en\n", "no small classes"),
        ("code,zh,en\n9811,不存在,Nothing\n", "division 98"),
        ("code,zh,en\n0011,不存在,Nothing\n", "division 00"),
        ("code,zh,en\n391,计算机整机制造,Computers\n", "4-digit"),
        ("code,zh,en\n39111,计算机整机制造,Computers\n", "4-digit"),
        ("code,zh,en\n３９１１,计算机整机制造,Computers\n", "4-digit"),
        ("code,zh,en\n3911,计算机整机制造\n", "3 columns"),
        ("code,zh,en\n3911,,Computers\n", "no Chinese name"),
        ("code,zh,en\n3911,计算机整机制造,\n3911,计算机整机制造,\n", "listed twice"),
    ],
)
def test_bad_operator_file_is_refused(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        IndustryCatalog.load(write_csv(tmp_path, text))


def test_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "code,zh,en\n3911,计算机整机制造,\n9811,不存在,\n")
    with pytest.raises(ValueError, match=r"small_classes\.csv:3: "):
        IndustryCatalog.load(path)


def test_every_code_has_both_messages() -> None:
    assert set(MESSAGES) == {
        "INDUSTRY_CODE_FORMAT", "INDUSTRY_CODE_UNKNOWN", "INDUSTRY_SECTION_MISMATCH",
    }  # fmt: skip
    for zh, en in MESSAGES.values():
        assert zh.strip()
        assert en.strip()
