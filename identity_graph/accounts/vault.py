"""Personal data at rest (SPEC §11): the one place that seals, opens and indexes it.

Every value is AES-GCM-encrypted with its column name as associated data, so a ciphertext
copied into another column does not decrypt. Look-ups go through the keyed blind index;
the index kinds match the ones the SMS and notification tables use for phones.
"""

from __future__ import annotations

from identity_graph.accounts.models import Account
from identity_graph.core.crypto import BlindIndex, FieldCipher


class PersonalData:
    def __init__(self, cipher: FieldCipher, blind_index: BlindIndex) -> None:
        self._cipher = cipher
        self._index = blind_index

    def seal(self, value: str, column: str) -> str:
        return self._cipher.encrypt(value, column)

    def open(self, token: str, column: str) -> str:
        return self._cipher.decrypt(token, column)

    def open_optional(self, token: str | None, column: str) -> str | None:
        return None if token is None else self._cipher.decrypt(token, column)

    def index_phone(self, phone: str) -> str:
        return self._index("phone", phone)

    def index_id_number(self, number: str) -> str:
        return self._index("id_number", number)

    def phone_of(self, account: Account) -> str | None:
        return self.open_optional(account.phone_cipher, "phone")

    def email_of(self, account: Account) -> str | None:
        return self.open_optional(account.email_cipher, "email")
