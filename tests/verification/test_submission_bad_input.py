"""Bad verification forms get typed errors naming the field and change nothing (SPEC §11)."""

from __future__ import annotations

import pytest

from tests.verification.flows import (
    XINGQIAO,
    ZHANG_WEI,
    enterprise,
    my_verification,
    resident,
    submit,
)

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"idNumber": "110105198503120038"}, "idNumber", "ID_NUMBER_CHECKSUM"),
        ({"idNumber": "11010519850312003"}, "idNumber", "ID_NUMBER_LENGTH"),
        ({"idNumber": "110105208503120039"}, "idNumber", None),
        ({"idType": "FOREIGN_PASSPORT"}, "idType", "ID_TYPE_REGION_MISMATCH"),
        ({"realName": "张\u0000伟"}, "realName", None),
        ({"idValidUntil": "2014-01-01"}, "idValidUntil", None),
    ],
)
async def test_bad_person_forms_change_nothing(gql, hooks, container, change, field, code):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    result = await submit(gql, hooks, token, person={**ZHANG_WEI, **change}, language="en")
    assert result["__typename"] == "ValidationErrors", result
    fields = {e["field"]: e["code"] for e in result["errors"]}
    assert field in fields
    if code:
        assert fields[field] == code
    verification = await my_verification(gql, token)
    assert verification["status"] == "UNVERIFIED" and verification["currentCase"] is None


async def test_a_unit_code_with_forbidden_letters_is_refused(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    result = await submit(gql, hooks, token, unit={**XINGQIAO, "code": "91110000MA01K7PWIO"})
    assert result["__typename"] == "ValidationErrors"
    assert result["errors"][0]["field"] == "code"
    assert (await my_verification(gql, token))["currentCase"] is None


async def test_person_form_on_an_enterprise_account_is_refused(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    result = await submit(gql, hooks, token, person=ZHANG_WEI)
    assert result["__typename"] == "NotAuthorizedError"
    assert (await my_verification(gql, token))["currentCase"] is None
