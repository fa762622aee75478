"""Password policy (SPEC §3): one refusal per code, the login-name and phone rules, the
strength scoring, and properties over generated passwords built class by class.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.accounts.password_policy import (
    MAX_LENGTH,
    POLICY_MESSAGES,
    Strength,
    character_classes,
    check_password,
    strength,
)
from identity_graph.accounts.service import MESSAGES as ACCOUNT_MESSAGES
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.i18n import Translator

RANK = {Strength.WEAK: 0, Strength.MEDIUM: 1, Strength.STRONG: 2}
CLASSES = {
    "upper": st.characters(categories=["Lu"]),
    "lower": st.characters(categories=["Ll"]),
    "digit": st.characters(categories=["Nd"]),
    "symbol": st.characters(categories=["P", "S", "Zs", "Lo"]),
}


def refusal(password: str, **kwargs: Any) -> tuple[str, str, dict[str, Any]]:
    with pytest.raises(ValidationFailed) as caught:
        check_password(password, **kwargs)
    [error] = caught.value.errors
    return error.field, error.code, dict(error.params)


class TestRules:
    @pytest.mark.parametrize(
        ("password", "strength_"),
        [
            ("Abcdef1!", Strength.MEDIUM),
            ("abcdef1!", Strength.MEDIUM),
            ("ABCDEFG1a", Strength.MEDIUM),
            ("密码Password12", Strength.STRONG),
            ("correct horse Battery", Strength.STRONG),
            ("Abcdefgh123!", Strength.STRONG),
            ("Ab1" + "x" * (MAX_LENGTH - 3), Strength.STRONG),
        ],
    )
    def test_accepted(self, password: str, strength_: Strength) -> None:
        assert check_password(password, login_name="zhangsan", phone="13812345678") == strength_

    @pytest.mark.parametrize(
        ("password", "code", "params"),
        [
            ("Ab1!", "PASSWORD_TOO_SHORT", {"min": 8}),
            ("", "PASSWORD_TOO_SHORT", {"min": 8}),
            ("Ab1!" * 32 + "x", "PASSWORD_TOO_LONG", {"max": 128}),
            ("abcdefgh", "PASSWORD_TOO_FEW_CLASSES", {"required": 3}),
            ("abcd1234", "PASSWORD_TOO_FEW_CLASSES", {"required": 3}),
            ("ABCD!@#$", "PASSWORD_TOO_FEW_CLASSES", {"required": 3}),
            ("Abcdef1!\x00", "PASSWORD_CONTROL_CHARACTERS", {}),
            ("Abcdef1!\n", "PASSWORD_CONTROL_CHARACTERS", {}),
            ("Abcdef1!\x7f", "PASSWORD_CONTROL_CHARACTERS", {}),
            ("Abcdef1!\ud800", "PASSWORD_CONTROL_CHARACTERS", {}),
        ],
    )
    def test_refused(self, password: str, code: str, params: dict[str, Any]) -> None:
        assert refusal(password, field="newPassword") == ("newPassword", code, params)

    @pytest.mark.parametrize(
        ("password", "login_name"),
        [
            ("Zhang.San1", "zhang.san1"),
            ("ZHANG.SAN1", "Zhang.San1"),
            ("Zhangsan2024!", "zhangsan"),
            ("My-bob1-Pass", "BOB1"),
        ],
    )
    def test_login_name_equal_or_contained(self, password: str, login_name: str) -> None:
        assert refusal(password, login_name=login_name)[1] == "PASSWORD_SAME_AS_LOGIN_NAME"

    def test_short_login_names_may_appear_inside(self) -> None:
        assert check_password("Bob!Secure9", login_name="bob") == Strength.MEDIUM

    def test_phone_number_is_refused_before_the_class_count(self) -> None:
        assert refusal("13812345678", phone="13812345678")[1] == "PASSWORD_SAME_AS_PHONE"
        assert refusal("13812345678", phone="13900000000")[1] == "PASSWORD_TOO_FEW_CLASSES"

    def test_phone_may_appear_inside(self) -> None:
        assert check_password("Tel:13812345678", phone="13812345678") == Strength.STRONG


class TestStrength:
    @pytest.mark.parametrize(
        ("password", "expected"),
        [
            ("Ab1!", Strength.WEAK),
            ("abcdefghijklmnopqrstu", Strength.WEAK),
            ("Abcdefg1", Strength.MEDIUM),
            ("Abcdefg1!", Strength.MEDIUM),
            ("Abcdefghij1k", Strength.MEDIUM),
            ("Abcdefghij1!", Strength.STRONG),
            ("Abcdefghijklmn12", Strength.STRONG),
        ],
    )
    def test_scoring(self, password: str, expected: Strength) -> None:
        assert strength(password) == expected

    @pytest.mark.parametrize(
        ("password", "classes"),
        [("", 0), ("aaaa", 1), ("aA", 2), ("aA1", 3), ("aA1!", 4), ("ÄÖß٣ 汉", 4), ("ǅ", 1)],
    )
    def test_character_classes(self, password: str, classes: int) -> None:
        assert character_classes(password) == classes


class TestMessages:
    def test_policy_catalog_merges_with_the_accounts_catalog(self) -> None:
        translate = Translator([ACCOUNT_MESSAGES, POLICY_MESSAGES])
        assert translate("PASSWORD_TOO_SHORT", "en", min=8) == (
            "The password needs at least 8 characters"
        )
        assert "3" in translate("PASSWORD_TOO_FEW_CLASSES", "zh-CN", required=3)

    def test_catalog_lists_every_other_code_raised(self) -> None:
        assert set(POLICY_MESSAGES) == {
            "PASSWORD_TOO_LONG",
            "PASSWORD_TOO_FEW_CLASSES",
            "PASSWORD_SAME_AS_LOGIN_NAME",
            "PASSWORD_SAME_AS_PHONE",
            "PASSWORD_CONTROL_CHARACTERS",
        }


# Properties --------------------------------------------------------------------------------


@st.composite
def passwords(draw: st.DrawFn, classes: list[str], min_size: int = 8) -> str:
    """A password drawing only from ``classes``, with at least one character of each."""
    required = [draw(CLASSES[name]) for name in classes]
    any_of_them = st.one_of([CLASSES[name] for name in classes])
    rest = draw(st.lists(any_of_them, min_size=max(0, min_size - len(classes)), max_size=60))
    return "".join(draw(st.permutations([*required, *rest])))


class_choices = st.lists(st.sampled_from(sorted(CLASSES)), unique=True)


class TestProperties:
    @given(class_choices.filter(lambda chosen: len(chosen) >= 3).flatmap(passwords))
    def test_any_password_meeting_the_rules_is_accepted(self, password: str) -> None:
        assert check_password(password) in (Strength.MEDIUM, Strength.STRONG)

    @given(class_choices.filter(lambda chosen: 1 <= len(chosen) <= 2).flatmap(passwords))
    def test_fewer_than_three_classes_is_refused(self, password: str) -> None:
        assert refusal(password)[1] == "PASSWORD_TOO_FEW_CLASSES"
        assert strength(password) == Strength.WEAK

    @given(
        class_choices.filter(bool).flatmap(lambda chosen: passwords(chosen, min_size=1)),
        st.data(),
    )
    def test_strength_never_drops_as_length_grows(self, password: str, data: st.DataObject) -> None:
        more = data.draw(st.text(alphabet=password, min_size=1, max_size=20))
        longer = password + more
        assert character_classes(longer) == character_classes(password)
        assert RANK[strength(longer)] >= RANK[strength(password)]

    @given(
        class_choices.filter(lambda chosen: len(chosen) >= 3).flatmap(passwords),
        st.from_regex(r"[A-Za-z0-9._]{4,20}", fullmatch=True),
        st.integers(0, 80),
    )
    def test_a_password_containing_the_login_name_is_refused(
        self, password: str, login_name: str, cut: int
    ) -> None:
        embedded = password[:cut] + login_name.swapcase() + password[cut:]
        assert refusal(embedded, login_name=login_name)[1] == "PASSWORD_SAME_AS_LOGIN_NAME"
