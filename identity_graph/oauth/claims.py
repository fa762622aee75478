"""Claims about a person or unit, by scope (OIDC Core §5.4, SPEC §7).

``identity`` is this service's own scope: the real name, the ID number masked, and the
real-name status; the full ID number never leaves through OIDC.
"""

from __future__ import annotations

from typing import Any

from identity_graph.accounts.enums import AccountKind, AssuranceLevel
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.crypto import mask_id_number
from identity_graph.sessions.tokens import ACR_VALUES

SUPPORTED = [
    "sub",
    "name",
    "preferred_username",
    "account_type",
    "phone_number",
    "phone_number_verified",
    "email",
    "email_verified",
    "real_name",
    "id_number_masked",
    "real_name_status",
    "acr",
    "amr",
    "auth_time",
    "nonce",
    "sid",
    "enterprise",
    "act",
]
_STATUS = {
    AssuranceLevel.PHONE_VERIFIED: "UNVERIFIED",
    AssuranceLevel.REAL_NAME: "VERIFIED",
    AssuranceLevel.REAL_PERSON: "VERIFIED",
}


def claims_for(
    account: Account,
    scopes: set[str],
    vault: PersonalData,
    person: NaturalPerson | None,
    unit: Enterprise | None,
) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": str(account.id)}
    real_name = vault.open(person.real_name_cipher, "real_name") if person else None
    if "profile" in scopes:
        claims["preferred_username"] = account.login_name
        claims["account_type"] = account.kind.value
        if account.kind == AccountKind.ENTERPRISE and unit is not None:
            claims["name"] = unit.name
        elif real_name:
            claims["name"] = real_name
    if "phone" in scopes and (phone := vault.phone_of(account)):
        claims["phone_number"] = f"+86{phone}"
        claims["phone_number_verified"] = True
    if "email" in scopes and (email := vault.email_of(account)):
        claims["email"] = email
        # OIDC Core §5.1: tell whether the address was verified. It is typed in at
        # registration and never confirmed (the phone is, by SMS), so it is not.
        claims["email_verified"] = False
    if "identity" in scopes:
        claims["real_name_status"] = _STATUS[account.level]
        claims["acr"] = ACR_VALUES[account.level.value]
        if person is not None:
            claims["real_name"] = real_name
            number = vault.open(person.id_number_cipher, "id_number")
            claims["id_number_masked"] = mask_id_number(number)
    return claims
