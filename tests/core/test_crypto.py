"""Personal data at rest: field encryption, blind indexes and masking (SPEC §11).

Proves that ``FieldCipher`` round-trips any text, binds the ciphertext to its context, refuses
tampered or foreign tokens with ``CIPHERTEXT_INVALID``, never repeats a ciphertext, and reads
old tokens after a key rotation while flagging them for re-encryption; that ``BlindIndex`` is
deterministic over the normalised form of an identifier; and that the masking helpers hide what
they should, including a property over every well-formed resident ID number.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.core.crypto import (
    BlindIndex,
    FieldCipher,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_identifier,
)
from identity_graph.core.errors import DomainError

OLD_KEY = b"o" * 32
NEW_KEY = b"n" * 32
ID_NUMBER = "13070119931030231X"


def _flip_one_byte(token: str, position: int) -> str:
    """Change one byte of the sealed payload (not just its base64 padding bits)."""
    version, kid, payload = token.split(".", 2)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[position] ^= 0x01
    return f"{version}.{kid}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


def assert_invalid(cipher: FieldCipher, token: str, context: str = "") -> None:
    with pytest.raises(DomainError) as caught:
        cipher.decrypt(token, context)
    assert caught.value.code == "CIPHERTEXT_INVALID"


class TestFieldCipher:
    @given(text=st.text(max_size=200), context=st.text(max_size=30))
    def test_round_trip(self, text: str, context: str) -> None:
        cipher = FieldCipher([NEW_KEY])
        assert cipher.decrypt(cipher.encrypt(text, context), context) == text

    def test_token_names_version_and_key_and_hides_the_plaintext(self) -> None:
        cipher = FieldCipher([NEW_KEY])
        token = cipher.encrypt(ID_NUMBER, "id_number")

        version, kid, _ = token.split(".", 2)
        assert (version, kid) == ("v1", cipher.current_key_id)
        assert ID_NUMBER not in token

    def test_context_is_bound(self) -> None:
        cipher = FieldCipher([NEW_KEY])
        token = cipher.encrypt(ID_NUMBER, "persons.id_number")

        assert_invalid(cipher, token, "persons.phone")
        assert_invalid(cipher, token)

    @pytest.mark.parametrize("position", [0, 11, 12, 20, -1])  # nonce, ciphertext, tag
    def test_tampered_ciphertext_is_refused(self, position: int) -> None:
        cipher = FieldCipher([NEW_KEY])
        token = cipher.encrypt(ID_NUMBER, "id_number")

        assert_invalid(cipher, _flip_one_byte(token, position), "id_number")

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda token: "",
            lambda token: "not a token",
            lambda token: token.replace("v1.", "v2.", 1),
            lambda token: token.split(".")[0] + ".deadbeef." + token.split(".", 2)[2],
            lambda token: token[:-10],
            lambda token: token.rsplit(".", 1)[0] + ".",
        ],
        ids=["empty", "no-dots", "version", "unknown-key", "truncated", "no-payload"],
    )
    def test_malformed_tokens_are_refused(self, mangle: Callable[[str], str]) -> None:
        cipher = FieldCipher([NEW_KEY])
        token = cipher.encrypt(ID_NUMBER)

        assert_invalid(cipher, mangle(token))

    def test_same_plaintext_encrypts_differently(self) -> None:
        cipher = FieldCipher([NEW_KEY])
        tokens = {cipher.encrypt(ID_NUMBER, "id_number") for _ in range(20)}
        assert len(tokens) == 20

    def test_rotation_reads_old_tokens_and_flags_them(self) -> None:
        old_token = FieldCipher([OLD_KEY]).encrypt(ID_NUMBER, "id_number")
        rotated = FieldCipher([NEW_KEY, OLD_KEY])
        new_token = rotated.encrypt(ID_NUMBER, "id_number")

        assert rotated.decrypt(old_token, "id_number") == ID_NUMBER
        assert rotated.needs_rotation(old_token)
        assert not rotated.needs_rotation(new_token)
        assert_invalid(FieldCipher([OLD_KEY]), new_token, "id_number")

    def test_a_retired_key_can_no_longer_read(self) -> None:
        old_token = FieldCipher([OLD_KEY]).encrypt(ID_NUMBER)
        assert_invalid(FieldCipher([NEW_KEY]), old_token)

    @pytest.mark.parametrize("token", ["", "garbage", "v2.abc.def"])
    def test_needs_rotation_refuses_what_is_not_a_token(self, token: str) -> None:
        with pytest.raises(DomainError) as caught:
            FieldCipher([NEW_KEY]).needs_rotation(token)
        assert caught.value.code == "CIPHERTEXT_INVALID"

    def test_needs_at_least_one_key(self) -> None:
        with pytest.raises(ValueError, match="at least one key"):
            FieldCipher([])


class TestBlindIndex:
    def test_deterministic(self) -> None:
        assert BlindIndex(b"k")("id", ID_NUMBER) == BlindIndex(b"k")("id", ID_NUMBER)

    @pytest.mark.parametrize(
        "variant",
        [
            "13070119931030231x",
            " 130701 19931030 231X ",
            "１３０７０１１９９３１０３０２３１Ｘ",
            "１３０７０１\u300019931030231ｘ",
        ],
    )
    def test_normalises_width_spaces_and_case(self, variant: str) -> None:
        index = BlindIndex(b"k")
        assert normalize_identifier(variant) == ID_NUMBER
        assert index("id", variant) == index("id", ID_NUMBER)

    def test_kind_and_key_separate_indexes(self) -> None:
        index = BlindIndex(b"k")
        assert index("id", "13812345678") != index("phone", "13812345678")
        assert index("id", ID_NUMBER) != BlindIndex(b"other")("id", ID_NUMBER)

    def test_is_an_opaque_digest(self) -> None:
        digest = BlindIndex(b"k")("phone", "13812345678")
        assert len(digest) == 64
        assert "13812345678" not in digest


class TestMasking:
    def test_id_number(self) -> None:
        assert mask_id_number(ID_NUMBER) == "1307**********231X"
        assert mask_id_number("13070119931030231x") == "1307**********231X"
        assert mask_id_number("H12345678") == "H1*****78"
        assert mask_id_number("123456") == "******"

    def test_phone(self) -> None:
        assert mask_phone("13812345678") == "138****5678"
        assert mask_phone("123456") == "******"

    @given(st.text(alphabet="0123456789", max_size=20))
    def test_phone_always_hides_something(self, phone: str) -> None:
        masked = mask_phone(phone)
        assert len(masked) == len(phone)
        assert not phone or "*" in masked

    @pytest.mark.parametrize(
        ("email", "masked"),
        [
            ("zhangsan@example.com", "z***@example.com"),
            ("a@example.com", "a***@example.com"),
            ("@example.com", "***@example.com"),
            ("王小明", "王*明"),
        ],
    )
    def test_email(self, email: str, masked: str) -> None:
        assert mask_email(email) == masked

    @pytest.mark.parametrize(
        ("name", "masked"),
        [("王小明", "王*明"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("李", "*"), ("", "*")],
    )
    def test_name(self, name: str, masked: str) -> None:
        assert mask_name(name) == masked


@given(
    head=st.text(alphabet="0123456789", min_size=4, max_size=4),
    middle=st.text(alphabet="0123456789", min_size=10, max_size=10),
    tail=st.text(alphabet="0123456789", min_size=3, max_size=3),
    check=st.sampled_from("0123456789X"),
)
def test_masked_id_keeps_length_and_hides_the_middle(
    head: str, middle: str, tail: str, check: str
) -> None:
    id_number = head + middle + tail + check
    masked = mask_id_number(id_number)

    assert len(masked) == len(id_number)
    assert masked == head + "*" * 10 + tail + check
    assert middle not in masked
