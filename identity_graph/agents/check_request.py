"""What a permission check names, read from a transport's raw input (SPEC §2.4): the unit
(its id or its credit code, exactly one), the service code and, for a partner, the person.

GraphQL has typed arguments; the plain HTTP endpoint for partner back-ends
(``oauth/service_permission.py``) has a form or JSON body whose values may be anything.
Both go through here, so both refuse the same input with the same field errors, every
invalid field at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from identity_graph.agents.checks import UnitRef
from identity_graph.clients.catalogue import normalize_code
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.validators import Checks, clean_text

FIELDS = ("serviceCode", "enterpriseId", "uscc", "personId")

MESSAGES = {
    "PARTNER_TOKEN_INVALID": (
        "接入系统的客户端凭证令牌无效、已过期或已被撤销",
        "The partner's client-credentials token is invalid, expired or revoked",
    ),
    "BODY_NOT_A_FORM_OR_JSON_OBJECT": (
        "请求体须为表单或 JSON 对象",
        "The body must be a form or a JSON object",
    ),
}


@dataclass(frozen=True)
class PartnerCheck:
    unit: UnitRef
    service_code: str
    person: str


def unit_ref(enterprise_id: str | None, uscc: str | None) -> UnitRef:
    """The unit named by exactly one of its id and its credit code."""
    if (enterprise_id is None) == (uscc is None):
        raise ValidationFailed.single("enterpriseId", "ENTERPRISE_ID_OR_USCC")
    if enterprise_id is not None:
        try:
            return UnitRef(enterprise_id=uuid.UUID(enterprise_id))
        except ValueError:
            raise ValidationFailed.single("enterpriseId", "INVALID_FORMAT") from None
    return UnitRef(uscc=clean_text(uscc or "", "uscc", max_length=32))


def partner_check(values: Mapping[str, object]) -> PartnerCheck:
    """A partner's check from untyped input: strings only, blanks as absent."""
    checks = Checks()
    text: dict[str, str | None] = {}
    for field in FIELDS:
        value = values.get(field)
        if value is not None and not isinstance(value, str):
            checks.fail(field, "INVALID_FORMAT")
        text[field] = (value.strip() or None) if isinstance(value, str) else None
    malformed = {error.field for error in checks.errors}
    code = person = unit = None
    if "serviceCode" not in malformed:
        code = checks.run(normalize_code, text["serviceCode"] or "", "serviceCode")
    if not malformed & {"enterpriseId", "uscc"}:
        unit = checks.run(unit_ref, text["enterpriseId"], text["uscc"])
    if "personId" not in malformed:
        person = checks.run(clean_text, text["personId"] or "", "personId", max_length=128)
    checks.raise_if_any()
    assert code is not None and unit is not None and person is not None
    return PartnerCheck(unit, code, person)
