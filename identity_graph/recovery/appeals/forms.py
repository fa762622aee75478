"""What each appeal kind asks for (SPEC §6.1, seed 002 §3.1.2/§3.2.2, seed 004 §五).

``clean`` checks the fields of one kind and returns the sealed-to-be form as plain values;
``check_materials`` checks the uploaded slots. Every failure names its input field, and all
failures of a form are reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from identity_graph.accounts.enums import AccountKind, LegalPersonType
from identity_graph.accounts.login_names import check_login_name
from identity_graph.core.validators import Checks, clean_text, normalize_mobile, optional_text
from identity_graph.files.service import DocumentKind
from identity_graph.ids.person import check_region, validate_id_number
from identity_graph.ids.types import IdType, RegionType
from identity_graph.ids.units import validate_uscc
from identity_graph.recovery.appeals.models import AppealKind

MESSAGES = {
    "MATERIAL_REQUIRED": ("请上传{kind}", "Please upload the {kind}"),
    "MATERIAL_NOT_ACCEPTED": (
        "此类申诉不接受该类材料：{kind}",
        "This kind of appeal does not take this material: {kind}",
    ),
    "MATERIAL_DUPLICATE": ("同类材料只能上传一份：{kind}", "Only one {kind} may be uploaded"),
    "TOO_MANY_MATERIALS": ("其他材料最多 {max} 份", "At most {max} other materials"),
    "IDENTITY_CHANGE_EMPTY": (
        "请填写新的姓名或证件号码",
        "Enter the new name or the new document number",
    ),
}

REMARK_MAX = 150
MAX_OTHER = 3


@dataclass(frozen=True)
class AppealForm:
    """An appeal as typed; ``None`` is a field left empty."""

    kind: AppealKind
    phone: str
    sms_code: str
    real_name: str | None = None
    region_type: RegionType | None = None
    id_type: IdType | None = None
    id_number: str | None = None
    unit_name: str | None = None
    legal_person_type: LegalPersonType | None = None
    uscc: str | None = None
    agent_region_type: RegionType | None = None
    agent_id_type: IdType | None = None
    agent_id_number: str | None = None
    legal_rep_name: str | None = None
    legal_rep_id_type: IdType | None = None
    legal_rep_id_number: str | None = None
    account_name: str | None = None
    new_real_name: str | None = None
    new_id_number: str | None = None
    remark: str | None = None


# Input field names (GraphQL and the page use the same names).
FIELD = {
    "real_name": "realName",
    "region_type": "regionType",
    "id_type": "idType",
    "id_number": "idNumber",
    "unit_name": "unitName",
    "legal_person_type": "legalPersonType",
    "uscc": "uscc",
    "agent_region_type": "agentRegionType",
    "agent_id_type": "agentIdType",
    "agent_id_number": "agentIdNumber",
    "legal_rep_name": "legalRepresentativeName",
    "legal_rep_id_type": "legalRepresentativeIdType",
    "legal_rep_id_number": "legalRepresentativeIdNumber",
    "account_name": "accountName",
    "new_real_name": "newRealName",
    "new_id_number": "newIdNumber",
}

_PERSON = ("real_name", "region_type", "id_type", "id_number")
_UNIT = ("unit_name", "legal_person_type", "uscc")
_LEGAL_REP = ("legal_rep_name", "legal_rep_id_type", "legal_rep_id_number")
REQUIRED_FIELDS: Mapping[AppealKind, tuple[str, ...]] = {
    AppealKind.PERSON_PASSWORD: _PERSON,
    AppealKind.UNIT_PASSWORD: (*_UNIT, "agent_region_type", "agent_id_type", "agent_id_number"),
    AppealKind.ASSISTED_REGISTRATION: (*_UNIT, *_LEGAL_REP, "account_name"),
    AppealKind.MODIFY_ENTERPRISE: (*_UNIT, *_LEGAL_REP),
    AppealKind.IDENTITY_CHANGE: _PERSON,
}

_D = DocumentKind
_UNIT_FILES = frozenset(
    {_D.BUSINESS_LICENCE, _D.AUTHORISATION_LETTER, _D.ID_FRONT, _D.ID_BACK, _D.HOLDING_ID_PHOTO}
)
# Slots each kind requires; OTHER (up to 3) is accepted by every kind. For the enterprise
# kinds, ID_FRONT/ID_BACK are the legal representative's ID and OTHER the agent's ID.
REQUIRED_MATERIALS: Mapping[AppealKind, frozenset[DocumentKind]] = {
    AppealKind.PERSON_PASSWORD: frozenset({_D.ID_FRONT, _D.ID_BACK}),
    AppealKind.UNIT_PASSWORD: frozenset({_D.BUSINESS_LICENCE, _D.ID_FRONT, _D.ID_BACK}),
    AppealKind.ASSISTED_REGISTRATION: _UNIT_FILES | {_D.OTHER},
    AppealKind.MODIFY_ENTERPRISE: _UNIT_FILES | {_D.OTHER},
    AppealKind.IDENTITY_CHANGE: frozenset({_D.ID_FRONT, _D.ID_BACK}),
}

_LABELS = {
    _D.ID_FRONT: ("证件正面", "front of the ID"),
    _D.ID_BACK: ("证件反面", "back of the ID"),
    _D.BUSINESS_LICENCE: ("营业执照", "business licence"),
    _D.AUTHORISATION_LETTER: ("申诉授权书", "authorisation letter"),
    _D.HOLDING_ID_PHOTO: ("手持证件照", "photo holding the ID"),
    _D.OTHER: ("其他材料", "other material"),
}


def material_label(kind: DocumentKind, english: bool) -> str:
    return _LABELS[kind][1 if english else 0]


def clean(form: AppealForm, *, today: date) -> dict[str, Any]:
    """The form's fields for this kind, normalised; raises ValidationFailed with all errors."""
    checks = Checks()
    out: dict[str, Any] = {}
    checks.run(normalize_mobile, form.phone, "phone")
    for name in REQUIRED_FIELDS[form.kind]:
        if getattr(form, name) in (None, ""):
            checks.fail(FIELD[name], "REQUIRED")
    values = {name: getattr(form, name) for name in FIELD}
    for name in ("real_name", "unit_name", "legal_rep_name", "new_real_name"):
        if values[name]:
            out[name] = checks.run(clean_text, values[name], FIELD[name], max_length=100)
    for name in ("region_type", "legal_person_type", "id_type", "agent_region_type"):
        if values[name] is not None:
            out[name] = values[name].value
    for name in ("agent_id_type", "legal_rep_id_type"):
        if values[name] is not None:
            out[name] = values[name].value
    _id(checks, out, form.id_type, form.id_number, "id_number", today)
    _id(checks, out, form.id_type, form.new_id_number, "new_id_number", today)
    _id(checks, out, form.agent_id_type, form.agent_id_number, "agent_id_number", today)
    _id(checks, out, form.legal_rep_id_type, form.legal_rep_id_number, "legal_rep_id_number", today)
    if form.region_type and form.id_type:
        checks.run(check_region, form.region_type, form.id_type, "idType")
    if form.agent_region_type and form.agent_id_type:
        checks.run(check_region, form.agent_region_type, form.agent_id_type, "agentIdType")
    if form.uscc:
        parsed = checks.run(validate_uscc, form.uscc, "uscc")
        if parsed is not None:
            out["uscc"] = parsed.number
    if form.account_name:
        out["account_name"] = checks.run(
            check_login_name, form.account_name, AccountKind.ENTERPRISE, "accountName"
        )
    if form.kind is AppealKind.IDENTITY_CHANGE and not (form.new_real_name or form.new_id_number):
        checks.fail("newRealName", "IDENTITY_CHANGE_EMPTY")
    remark = checks.run(optional_text, form.remark, "remark", max_length=REMARK_MAX, multiline=True)
    if remark:
        out["remark"] = remark
    checks.raise_if_any()
    kept = {*REQUIRED_FIELDS[form.kind], "remark"}
    if form.kind is AppealKind.IDENTITY_CHANGE:
        kept |= {"new_real_name", "new_id_number"}
    return {name: value for name, value in out.items() if name in kept}


def _id(
    checks: Checks,
    out: dict[str, Any],
    id_type: IdType | None,
    number: str | None,
    name: str,
    today: date,
) -> None:
    if not number or id_type is None:
        return
    parsed = checks.run(validate_id_number, id_type, number, FIELD[name], today=today)
    if parsed is not None:
        out[name] = parsed.number


def check_materials(kind: AppealKind, kinds: Sequence[DocumentKind], checks: Checks) -> None:
    """Required slots present, one of each, up to ``MAX_OTHER`` other materials."""
    required = REQUIRED_MATERIALS[kind]
    for missing in sorted(required - set(kinds)):
        checks.fail("materials", "MATERIAL_REQUIRED", kind=missing.value)
    accepted = required | {_D.OTHER}
    for extra in sorted(set(kinds) - accepted):
        checks.fail("materials", "MATERIAL_NOT_ACCEPTED", kind=extra.value)
    singles = [k for k in kinds if k is not _D.OTHER]
    for duplicate in sorted({k for k in singles if singles.count(k) > 1}):
        checks.fail("materials", "MATERIAL_DUPLICATE", kind=duplicate.value)
    if kinds.count(_D.OTHER) > MAX_OTHER:
        checks.fail("materials", "TOO_MANY_MATERIALS", max=MAX_OTHER)
