"""Personal ID numbers (SPEC §2.1, §12; reference/cn_ids.md §1, §3): the synthetic examples of
cn_ids.md, one refusal per error code and ID type, and properties over generated numbers whose
check digits come from the table in cn_ids.md §1.2, not from the code under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.core.errors import ValidationFailed
from identity_graph.core.i18n import Translator
from identity_graph.ids.person import (
    MESSAGES,
    ParsedId,
    check_profile_agrees,
    check_region,
    upgrade_legacy_resident_id,
    validate_id_number,
)
from identity_graph.ids.types import PROVINCES, REGION_OF, Gender, IdType, RegionType

TODAY = date(2026, 11, 23)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_TABLE = "10X98765432"  # cn_ids.md §1.2: Y = S mod 11 -> check character

VALID = {
    IdType.RESIDENT_ID_CARD: ["11010519491231002X", "110105199003071239", "440306200101010025"],
    IdType.HMT_RESIDENCE_PERMIT: [
        "82000020000229003X",
        "810000199408230021",
        "830000199201300022",
        "810000199506150105",
        "830000198808080041",
    ],
    IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: ["911840199001010018", "USA110085010103"],
    IdType.EXIT_ENTRY_PERMIT_HK_MACAO: ["C12345678", "CA0000001", "CF3273201"],
    IdType.TRAVEL_PERMIT_TAIWAN: ["L12345678", "12345678", "AB12345678"],
    IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO: ["H12345678", "M1234567801", "HA1234567", "MA1234567"],
    IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN: ["12345678"],
    IdType.FOREIGN_PASSPORT: ["L898902C3", "X1234", "AB1234567890CDEFG"],
}
GB11643_TYPES = [
    IdType.RESIDENT_ID_CARD,
    IdType.HMT_RESIDENCE_PERMIT,
    IdType.FOREIGNER_PERMANENT_RESIDENCE_ID,
]
# One 18-digit number of each GB 11643 type with the address part given and the rest to fill.
PREFIX = {
    IdType.RESIDENT_ID_CARD: "110105",
    IdType.HMT_RESIDENCE_PERMIT: "810000",
    IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: "911840",
}
BAD_PROVINCE = {
    IdType.RESIDENT_ID_CARD: "990105",
    IdType.HMT_RESIDENCE_PERMIT: "840000",
    IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: "999840",
}


def check_character(body: str) -> str:
    return CHECK_TABLE[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def gb11643(prefix: str, born: str, sequence: str = "123") -> str:
    body = prefix + born + sequence
    return body + check_character(body)


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if char.isalnum() else char for char in text)


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str, dict[str, Any]]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    [error] = caught.value.errors
    return error.field, error.code, dict(error.params)


def outcome(id_type: IdType, value: str) -> str:
    """``ascii`` for an accepted number (always plain ASCII), else the error code."""
    try:
        parsed = validate_id_number(id_type, value, today=TODAY)
    except ValidationFailed as exc:
        return exc.errors[0].code
    return "ascii" if parsed.number.isascii() else parsed.number


def code_of(id_type: IdType, value: str) -> str:
    return error_of(validate_id_number, id_type, value, today=TODAY)[1]


class TestExamples:
    @pytest.mark.parametrize(
        ("id_type", "number", "born", "gender", "province"),
        [
            (IdType.RESIDENT_ID_CARD, "11010519491231002X", date(1949, 12, 31), "female", "11"),
            (IdType.RESIDENT_ID_CARD, "110105199003071239", date(1990, 3, 7), "male", "11"),
            (IdType.RESIDENT_ID_CARD, "440306200101010025", date(2001, 1, 1), "female", "44"),
            (IdType.HMT_RESIDENCE_PERMIT, "82000020000229003X", date(2000, 2, 29), "male", "82"),
            (IdType.HMT_RESIDENCE_PERMIT, "810000199408230021", date(1994, 8, 23), "female", "81"),
            (IdType.HMT_RESIDENCE_PERMIT, "830000199201300022", date(1992, 1, 30), "female", "83"),
            (
                IdType.FOREIGNER_PERMANENT_RESIDENCE_ID,
                "911840199001010018",
                date(1990, 1, 1),
                "male",
                "11",
            ),
        ],
    )
    def test_gb11643_numbers_yield_what_they_encode(
        self, id_type: IdType, number: str, born: date, gender: str, province: str
    ) -> None:
        parsed = validate_id_number(id_type, number, today=TODAY)
        assert parsed == ParsedId(id_type, number, born, Gender(gender), province)

    @pytest.mark.parametrize(
        ("id_type", "number"),
        [(id_type, number) for id_type, numbers in VALID.items() for number in numbers],
    )
    def test_every_example_is_accepted_as_typed_and_full_width(
        self, id_type: IdType, number: str
    ) -> None:
        assert validate_id_number(id_type, number, today=TODAY).number == number
        assert validate_id_number(id_type, full_width(number), today=TODAY).number == number

    @pytest.mark.parametrize(
        ("id_type", "number"),
        [
            (IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, "USA110085010103"),
            *[(t, n) for t, numbers in VALID.items() if t not in GB11643_TYPES for n in numbers],
        ],
    )
    def test_numbers_without_the_gb11643_layout_encode_nothing(
        self, id_type: IdType, number: str
    ) -> None:
        parsed = validate_id_number(id_type, number, today=TODAY)
        assert (parsed.birth_date, parsed.gender, parsed.province) == (None, None, None)


class TestNormalisation:
    @pytest.mark.parametrize(
        "raw",
        [
            "11010519491231002x",
            " 110105 19491231 002X\t",
            "１１０１０５１９４９１２３１００２ｘ",
            "１１０１０５１９４９１２３１００２Ｘ",
        ],
    )
    def test_case_space_and_width_do_not_matter(self, raw: str) -> None:
        parsed = validate_id_number(IdType.RESIDENT_ID_CARD, raw, today=TODAY)
        assert parsed.number == "11010519491231002X"

    def test_digits_of_other_scripts_are_not_digits(self) -> None:
        arabic_indic = "".join(chr(0x0660 + int(d)) for d in "110105199003071239")
        assert code_of(IdType.RESIDENT_ID_CARD, arabic_indic) == "ID_NUMBER_FORMAT"


class TestRefusals:
    @pytest.mark.parametrize(
        ("id_type", "value", "expected"),
        [
            (IdType.RESIDENT_ID_CARD, "11010519900307123", "18"),
            (IdType.RESIDENT_ID_CARD, "1101051990030712390", "18"),
            (IdType.RESIDENT_ID_CARD, "", "18"),
            (IdType.HMT_RESIDENCE_PERMIT, "81000019940823002", "18"),
            (IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, "91184019900101001", "15/18"),
            (IdType.EXIT_ENTRY_PERMIT_HK_MACAO, "C1234567", "9"),
            (IdType.TRAVEL_PERMIT_TAIWAN, "L123456", "8-10"),
            (IdType.TRAVEL_PERMIT_TAIWAN, "L1234567890", "8-10"),
            (IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO, "H123456789", "9/11"),
            (IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN, "123456789", "8"),
            (IdType.FOREIGN_PASSPORT, "X123", "5-17"),
            (IdType.FOREIGN_PASSPORT, "X" * 18, "5-17"),
        ],
    )
    def test_wrong_length(self, id_type: IdType, value: str, expected: str) -> None:
        error = error_of(validate_id_number, id_type, value, "legalRepIdNumber", today=TODAY)
        assert error == ("legalRepIdNumber", "ID_NUMBER_LENGTH", {"expected": expected})

    def test_legacy_15_digit_resident_id_is_refused(self) -> None:
        assert code_of(IdType.RESIDENT_ID_CARD, "110105491231002") == "ID_NUMBER_LENGTH"

    @pytest.mark.parametrize(
        ("id_type", "value"),
        [
            (IdType.RESIDENT_ID_CARD, "11010519900307123A"),
            (IdType.RESIDENT_ID_CARD, "X10105199003071239"),
            (IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, "811840199001010018"),
            (IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, "US1110085010103"),
            (IdType.EXIT_ENTRY_PERMIT_HK_MACAO, "D12345678"),
            (IdType.EXIT_ENTRY_PERMIT_HK_MACAO, "CI0000001"),
            (IdType.EXIT_ENTRY_PERMIT_HK_MACAO, "CO0000001"),
            (IdType.TRAVEL_PERMIT_TAIWAN, "L1234-678"),
            (IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO, "K12345678"),
            (IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO, "HB1234567"),
            (IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO, "HA123456789"),
            (IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN, "1234567A"),
            (IdType.FOREIGN_PASSPORT, "L8989-02C3"),
            (IdType.FOREIGN_PASSPORT, "L89890\x002C3"),
        ],
    )
    def test_wrong_format(self, id_type: IdType, value: str) -> None:
        assert code_of(id_type, value) == "ID_NUMBER_FORMAT"

    @pytest.mark.parametrize("id_type", GB11643_TYPES)
    def test_wrong_check_character(self, id_type: IdType) -> None:
        number = gb11643(PREFIX[id_type], "19900307")
        wrong = "X" if number[-1] != "X" else "0"
        assert code_of(id_type, number[:-1] + wrong) == "ID_NUMBER_CHECKSUM"

    @pytest.mark.parametrize("id_type", GB11643_TYPES)
    @pytest.mark.parametrize("born", ["19990230", "19991301", "19990001", "19990100", "17991231"])
    def test_impossible_birth_date(self, id_type: IdType, born: str) -> None:
        assert code_of(id_type, gb11643(PREFIX[id_type], born)) == "ID_NUMBER_BIRTH_DATE"

    @pytest.mark.parametrize("id_type", GB11643_TYPES)
    def test_future_birth_date(self, id_type: IdType) -> None:
        tomorrow = gb11643(PREFIX[id_type], "20261124")
        assert code_of(id_type, tomorrow) == "ID_NUMBER_FUTURE_BIRTH"
        born_today = validate_id_number(id_type, gb11643(PREFIX[id_type], "20261123"), today=TODAY)
        assert born_today.birth_date == TODAY

    @pytest.mark.parametrize("id_type", GB11643_TYPES)
    def test_unknown_province(self, id_type: IdType) -> None:
        assert code_of(id_type, gb11643(BAD_PROVINCE[id_type], "19900307")) == "ID_NUMBER_PROVINCE"

    @pytest.mark.parametrize("prefix", ["000000", "100000", "160000", "660000", "830000", "910000"])
    def test_resident_id_needs_a_gb_t_2260_province(self, prefix: str) -> None:
        number = gb11643(prefix, "19900307")
        assert code_of(IdType.RESIDENT_ID_CARD, number) == "ID_NUMBER_PROVINCE"

    def test_residence_permit_needs_the_whole_810000_style_address(self) -> None:
        number = gb11643("810100", "19900307")
        assert code_of(IdType.HMT_RESIDENCE_PERMIT, number) == "ID_NUMBER_PROVINCE"

    @pytest.mark.parametrize("id_type", GB11643_TYPES)
    def test_full_width_refusals_keep_their_code(self, id_type: IdType) -> None:
        number = gb11643(PREFIX[id_type], "19990230")
        assert code_of(id_type, full_width(number)) == "ID_NUMBER_BIRTH_DATE"


class TestLegacyUpgrade:
    def test_standard_example(self) -> None:
        assert upgrade_legacy_resident_id("110105491231002") == "11010519491231002X"

    def test_upgraded_number_validates_with_the_same_birth_date(self) -> None:
        upgraded = upgrade_legacy_resident_id("４４０３０６７００１０１００３")
        parsed = validate_id_number(IdType.RESIDENT_ID_CARD, upgraded, today=TODAY)
        assert (parsed.birth_date, parsed.gender) == (date(1970, 1, 1), Gender.MALE)

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("11010519491231002X", "ID_NUMBER_LENGTH"),
            ("11010549123100", "ID_NUMBER_LENGTH"),
            ("11010549123100X", "ID_NUMBER_FORMAT"),
            ("010105491231002", "ID_NUMBER_FORMAT"),
            ("990105491231002", "ID_NUMBER_PROVINCE"),
            ("110105490230002", "ID_NUMBER_BIRTH_DATE"),
        ],
    )
    def test_refusals(self, value: str, code: str) -> None:
        assert error_of(upgrade_legacy_resident_id, value)[1] == code


class TestRegion:
    @pytest.mark.parametrize("id_type", list(IdType))
    @pytest.mark.parametrize("region", list(RegionType))
    def test_each_type_belongs_to_exactly_its_region(
        self, id_type: IdType, region: RegionType
    ) -> None:
        if REGION_OF[id_type] == region:
            check_region(region, id_type)
        else:
            assert error_of(check_region, region, id_type) == (
                "idType",
                "ID_TYPE_REGION_MISMATCH",
                {"region": region.value, "idType": id_type.value},
            )

    def test_spec_4_3_table(self) -> None:
        by_region = {
            region: {t for t, r in REGION_OF.items() if r == region} for region in RegionType
        }
        assert by_region[RegionType.MAINLAND] == {
            IdType.RESIDENT_ID_CARD,
            IdType.FOREIGNER_PERMANENT_RESIDENCE_ID,
        }
        assert by_region[RegionType.OTHER] == {IdType.FOREIGN_PASSPORT}
        assert len(by_region[RegionType.HMT]) == 5

    def test_province_table_is_gb_t_2260_province_level(self) -> None:
        assert len(PROVINCES) == 34
        assert {"11", "65", "71", "81", "82"} <= PROVINCES.keys()
        assert "83" not in PROVINCES


class TestProfileAgreement:
    parsed = validate_id_number(IdType.RESIDENT_ID_CARD, "110105199003071239", today=TODAY)

    @pytest.mark.parametrize(
        ("born", "gender"),
        [(date(1990, 3, 7), Gender.MALE), (None, None), (date(1990, 3, 7), None)],
    )
    def test_agreeing_or_undeclared_values_pass(self, born: date | None, gender: Gender) -> None:
        check_profile_agrees(self.parsed, born, gender)

    @pytest.mark.parametrize(
        ("born", "gender", "mismatch"),
        [
            (date(1990, 3, 8), Gender.MALE, "birthDate"),
            (date(1990, 3, 7), Gender.FEMALE, "gender"),
            (None, Gender.FEMALE, "gender"),
        ],
    )
    def test_disagreement_is_refused(
        self, born: date | None, gender: Gender, mismatch: str
    ) -> None:
        error = error_of(check_profile_agrees, self.parsed, born, gender, "birthDate")
        assert error == ("birthDate", "ID_NUMBER_PROFILE_MISMATCH", {"mismatch": mismatch})

    def test_numbers_without_encoded_data_agree_with_anything(self) -> None:
        passport = validate_id_number(IdType.FOREIGN_PASSPORT, "L898902C3", today=TODAY)
        check_profile_agrees(passport, date(1990, 1, 1), Gender.FEMALE)


class TestMessages:
    def test_every_code_has_both_languages_and_renders_its_params(self) -> None:
        translate = Translator([MESSAGES])
        assert translate("ID_NUMBER_LENGTH", "zh-CN", expected="18") == "证件号码应为 18 位"
        assert "9/11" in translate("ID_NUMBER_LENGTH", "en", expected="9/11")
        assert all(zh and en and zh != en for zh, en in MESSAGES.values())

    def test_catalog_lists_exactly_the_codes_raised(self) -> None:
        assert set(MESSAGES) == {
            "ID_NUMBER_LENGTH",
            "ID_NUMBER_FORMAT",
            "ID_NUMBER_CHECKSUM",
            "ID_NUMBER_BIRTH_DATE",
            "ID_NUMBER_FUTURE_BIRTH",
            "ID_NUMBER_PROVINCE",
            "ID_TYPE_REGION_MISMATCH",
            "ID_NUMBER_PROFILE_MISMATCH",
        }


# Properties --------------------------------------------------------------------------------

addresses = st.builds(
    lambda province, county: province + county,
    st.sampled_from(sorted(PROVINCES)),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
)
birth_dates = st.dates(min_value=date(1800, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999).map(lambda n: f"{n:03d}")


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, date, str]:
    born = draw(birth_dates)
    sequence = draw(sequences)
    return gb11643(draw(addresses), born.strftime("%Y%m%d"), sequence), born, sequence


class TestProperties:
    @given(resident_ids())
    def test_generated_resident_ids_are_accepted(self, case: tuple[str, date, str]) -> None:
        number, born, sequence = case
        parsed = validate_id_number(IdType.RESIDENT_ID_CARD, number, today=TODAY)
        assert parsed.birth_date == born
        assert parsed.gender == (Gender.MALE if int(sequence[-1]) % 2 else Gender.FEMALE)
        assert parsed.province == number[:2]

    @given(resident_ids(), st.data())
    def test_any_single_character_change_is_refused(
        self, case: tuple[str, date, str], data: st.DataObject
    ) -> None:
        number = case[0]
        position = data.draw(st.integers(0, 17))
        alphabet = "0123456789X" if position == 17 else "0123456789"
        replacement = data.draw(st.sampled_from(alphabet.replace(number[position], "")))
        mutated = number[:position] + replacement + number[position + 1 :]
        with pytest.raises(ValidationFailed):
            validate_id_number(IdType.RESIDENT_ID_CARD, mutated, today=TODAY)

    @given(resident_ids())
    def test_full_width_and_lower_case_forms_normalise(self, case: tuple[str, date, str]) -> None:
        number = case[0]
        for variant in (number.lower(), full_width(number), full_width(number.lower())):
            parsed = validate_id_number(IdType.RESIDENT_ID_CARD, variant, today=TODAY)
            assert parsed.number == number

    @given(st.sampled_from(["810000", "820000", "830000"]), birth_dates, sequences)
    def test_generated_residence_permits_are_accepted(
        self, area: str, born: date, sequence: str
    ) -> None:
        number = gb11643(area, born.strftime("%Y%m%d"), sequence)
        parsed = validate_id_number(IdType.HMT_RESIDENCE_PERMIT, number, today=TODAY)
        assert (parsed.birth_date, parsed.province) == (born, area[:2])

    @given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)))
    def test_every_future_birth_date_is_refused(self, born: date) -> None:
        number = gb11643("110105", born.strftime("%Y%m%d"))
        assert code_of(IdType.RESIDENT_ID_CARD, number) == "ID_NUMBER_FUTURE_BIRTH"

    @given(st.text(max_size=40))
    def test_arbitrary_text_is_either_valid_or_a_field_error(self, text: str) -> None:
        for id_type in IdType:
            assert outcome(id_type, text) in {"ascii", *MESSAGES}
