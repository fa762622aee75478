"""Re-verification on change (SPEC §4.4): a verified person changing a listed field is asked
to confirm; confirmed, the status resets and verification runs again; an identity change
goes to manual review; unlisted fields change freely."""

from __future__ import annotations

import pytest

from tests.graphql.accounts_helpers import ERRORS, PASSWORD, sms_code
from tests.verification.flows import (
    DECIDE,
    SUBMIT_REVIEW,
    XINGQIAO,
    ZHANG_WEI,
    enterprise,
    my_verification,
    resident,
    submit,
)
from tests.verification.test_manual_review import reviewer_token, scans

pytestmark = pytest.mark.postgres

UPDATE = (
    """
mutation Update($input: UpdateNaturalPersonInput!) {
  updateNaturalPerson(input: $input) {
    __typename
    ... on NaturalPersonUpdated { naturalPerson { idNumber idValidUntil address } }
    ... on ConfirmationRequiredError { code message fields }
"""
    + ERRORS
    + "  }\n}\n"
)
RECORDS = "{ infoUpdateRecords(first: 5) { edges { node { reverification changes { field } } } } }"


async def verified(gql, hooks, container) -> str:
    token = await resident(gql, hooks, container, ZHANG_WEI)
    result = await submit(gql, hooks, token, person=ZHANG_WEI)
    assert result["verification"]["status"] == "VERIFIED"
    return token


PROFILE = "{ me { naturalPerson { realName idNumber address } } }"


async def profile(gql, token: str) -> dict:
    body = await gql(PROFILE, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["me"]["naturalPerson"])


async def identity_change_in_review(gql, hooks, container, client) -> tuple[str, str]:
    """A verified resident changes their ID number (and address) and sends scans."""
    token = await verified(gql, hooks, container)
    change = {"idNumber": "110108197906150093", "address": "北京市朝阳区建国路1号"}

    asked = (await gql(UPDATE, {"input": change}, token=token))["data"]["updateNaturalPerson"]
    assert asked["__typename"] == "ConfirmationRequiredError"
    assert asked["fields"] == ["idNumber"]
    assert (await my_verification(gql, token))["status"] == "VERIFIED"

    body = await gql(UPDATE, {"input": {**change, "confirmReverification": True}}, token=token)
    done = body["data"]["updateNaturalPerson"]
    assert done["__typename"] == "NaturalPersonUpdated", done
    # The verified identity is kept until a reviewer approves; the unlisted address is not.
    assert done["naturalPerson"]["idNumber"] == ZHANG_WEI["idNumber"]
    assert done["naturalPerson"]["address"] == "北京市朝阳区建国路1号"
    verification = await my_verification(gql, token)
    assert verification["status"] == "UNVERIFIED"
    assert verification["level"] == "PHONE_VERIFIED"
    assert verification["currentCase"]["route"] == "MANUAL"
    assert verification["currentCase"]["claim"]["idNumber"] == "110108197906150093"
    assert verification["nextSteps"] == ["MANUAL_REVIEW", "SUBMIT"]
    records = (await gql(RECORDS, token=token))["data"]["infoUpdateRecords"]["edges"]
    assert [c["field"] for c in records[0]["node"]["changes"]] == ["address"]

    # A further edit while the change waits is still an identity change, never a bypass.
    again = await gql(UPDATE, {"input": {"realName": "张小伟"}}, token=token)
    assert again["data"]["updateNaturalPerson"]["__typename"] == "ConfirmationRequiredError"

    review = await gql(
        SUBMIT_REVIEW, {"input": {"documentIds": await scans(client, token)}}, token=token
    )
    assert review["data"]["submitManualReview"]["__typename"] == "ReviewSubmitted", review
    assert (await profile(gql, token))["idNumber"] == ZHANG_WEI["idNumber"]
    return token, review["data"]["submitManualReview"]["review"]["id"]


async def test_a_rejected_identity_change_leaves_the_account_as_it_was(
    gql, hooks, container, client
):
    token, review_id = await identity_change_in_review(gql, hooks, container, client)
    staff = await reviewer_token(container)
    decision = {"reviewId": review_id, "decision": "REJECT", "reasons": ["SCAN_MISMATCH"]}
    body = await gql(DECIDE, {"input": decision}, token=staff)
    assert body["data"]["decideReview"]["__typename"] == "ReviewDecided", body

    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED"
    assert verification["level"] == "REAL_NAME"
    assert verification["currentCase"]["claim"]["idNumber"] == ZHANG_WEI["idNumber"]
    person = await profile(gql, token)
    assert (person["realName"], person["idNumber"]) == ("张伟", ZHANG_WEI["idNumber"])


async def test_an_approved_identity_change_writes_the_new_identity(gql, hooks, container, client):
    token, review_id = await identity_change_in_review(gql, hooks, container, client)
    staff = await reviewer_token(container)
    body = await gql(DECIDE, {"input": {"reviewId": review_id, "decision": "APPROVE"}}, token=staff)
    assert body["data"]["decideReview"]["__typename"] == "ReviewDecided", body

    verification = await my_verification(gql, token)
    assert verification["status"] == "MANUAL_APPROVED"
    assert (await profile(gql, token))["idNumber"] == "110108197906150093"
    records = (await gql(RECORDS, token=token))["data"]["infoUpdateRecords"]["edges"]
    assert records[0]["node"]["reverification"] is True
    assert "idNumber" in [c["field"] for c in records[0]["node"]["changes"]]


async def test_changing_the_validity_reruns_the_automatic_check(gql, hooks, container):
    token = await verified(gql, hooks, container)
    change = {"idValidUntil": "2035-06-02", "confirmReverification": True}
    body = await gql(UPDATE, {"input": change}, token=token)
    assert body["data"]["updateNaturalPerson"]["__typename"] == "NaturalPersonUpdated"
    verification = await my_verification(gql, token)
    assert verification["status"] == "FAILED"
    assert verification["currentCase"]["failureFields"] == ["idValidUntil"]


async def test_unlisted_fields_change_without_reverification(gql, hooks, container):
    token = await verified(gql, hooks, container)
    body = await gql(UPDATE, {"input": {"address": "北京市朝阳区建国路1号"}}, token=token)
    assert body["data"]["updateNaturalPerson"]["__typename"] == "NaturalPersonUpdated"
    assert (await my_verification(gql, token))["status"] == "VERIFIED"


# --- the reserved phone of a verified resident (a listed field, SPEC §4.4) -------------

CHANGE_PHONE = (
    """
mutation ChangePhone($input: ChangePhoneInput!) {
  changePhone(input: $input) {
    __typename
    ... on PhoneChanged { account { phone verificationStatus } }
    ... on ConfirmationRequiredError { code message fields }
"""
    + ERRORS
    + "  }\n}\n"
)
NEW_PHONE = "13987654321"


async def test_a_verified_resident_confirms_a_phone_change_then_is_checked_again(
    gql, hooks, container
):
    token = await verified(gql, hooks, container)
    first_case = (await my_verification(gql, token))["currentCase"]["id"]
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")
    change = {"password": PASSWORD, "newPhone": NEW_PHONE, "smsCode": code}

    asked = (await gql(CHANGE_PHONE, {"input": change}, token=token))["data"]["changePhone"]
    assert asked["__typename"] == "ConfirmationRequiredError", asked
    assert asked["fields"] == ["phone"]
    assert "重新进行实名认证" in asked["message"]
    assert (await my_verification(gql, token))["currentCase"]["id"] == first_case

    # The same code still works: asking for confirmation did not use it up.
    body = await gql(
        CHANGE_PHONE, {"input": {**change, "confirmReverification": True}}, token=token
    )
    done = body["data"]["changePhone"]
    assert done["__typename"] == "PhoneChanged", done
    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED"
    assert verification["currentCase"]["id"] != first_case
    assert verification["currentCase"]["decidedBy"] == "REGISTRY"
    records = (await gql(RECORDS, token=token))["data"]["infoUpdateRecords"]["edges"]
    assert records[0]["node"] == {"reverification": True, "changes": [{"field": "phone"}]}
    texts = [m.text for m in await container.notifier.list_messages(destination=NEW_PHONE)]
    assert "国家平台实名认证通过" in texts[0]
    assert any("重新" in text for text in texts), texts


async def test_a_phone_change_asked_to_confirm_writes_nothing_when_the_code_is_wrong(
    gql, hooks, container
):
    token = await verified(gql, hooks, container)
    await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")
    change = {
        "password": PASSWORD,
        "newPhone": NEW_PHONE,
        "smsCode": "000000",
        "confirmReverification": True,
    }
    refused = (await gql(CHANGE_PHONE, {"input": change}, token=token))["data"]["changePhone"]
    assert refused["__typename"] == "ValidationErrors", refused
    assert refused["errors"][0]["field"] == "smsCode"
    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED"
    assert len(verification["currentCase"]["attempts"]) == 1


# --- units: classification fields (SPEC §4.4 unit list) -----------------------------------

UPDATE_ENTERPRISE = (
    """
mutation Update($input: UpdateEnterpriseInput!) {
  updateEnterprise(input: $input) {
    __typename
    ... on EnterpriseUpdated { enterprise { regionType legalPersonType unitIdentifier unitNature } }
    ... on ConfirmationRequiredError { code message fields }
"""
    + ERRORS
    + "  }\n}\n"
)


async def verified_unit(gql, hooks, container) -> str:
    token = await enterprise(gql, hooks, container, XINGQIAO)
    result = await submit(gql, hooks, token, unit=XINGQIAO)
    assert result["verification"]["status"] == "VERIFIED"
    return token


async def update_unit(gql, token, **values) -> dict:
    body = await gql(UPDATE_ENTERPRISE, {"input": values}, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["updateEnterprise"])


async def test_unit_nature_change_is_confirmed_then_rechecked(gql, hooks, container):
    token = await verified_unit(gql, hooks, container)
    first_case = (await my_verification(gql, token))["currentCase"]["id"]

    asked = await update_unit(gql, token, unitNature="有限责任公司")
    assert asked["__typename"] == "ConfirmationRequiredError", asked
    assert asked["fields"] == ["unitNature"]

    done = await update_unit(gql, token, unitNature="有限责任公司", confirmReverification=True)
    assert done["__typename"] == "EnterpriseUpdated", done
    assert done["enterprise"]["unitNature"] == "有限责任公司"
    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED"
    assert verification["currentCase"]["id"] != first_case


async def test_legal_person_type_other_sends_the_unit_to_manual_review(gql, hooks, container):
    token = await verified_unit(gql, hooks, container)

    done = await update_unit(gql, token, legalPersonType="OTHER", confirmReverification=True)

    assert done["__typename"] == "EnterpriseUpdated", done
    # Kept until a reviewer approves the case that checks it.
    assert done["enterprise"]["legalPersonType"] == "ENTERPRISE"
    verification = await my_verification(gql, token)
    assert verification["status"] == "UNVERIFIED"
    assert verification["currentCase"]["route"] == "MANUAL"
    assert verification["nextSteps"] == ["MANUAL_REVIEW", "SUBMIT"]


async def test_moving_a_unit_outside_the_mainland_needs_its_identifier(gql, hooks, container):
    token = await verified_unit(gql, hooks, container)

    missing = await update_unit(gql, token, regionType="HMT", confirmReverification=True)
    assert missing["__typename"] == "ValidationErrors", missing
    assert ("unitIdentifier", "UNIT_IDENTIFIER_REQUIRED") in [
        (e["field"], e["code"]) for e in missing["errors"]
    ]
    assert (await my_verification(gql, token))["status"] == "VERIFIED"

    asked = await update_unit(gql, token, regionType="HMT", unitIdentifier="hk-68012345")
    assert asked["__typename"] == "ConfirmationRequiredError", asked
    assert sorted(asked["fields"]) == ["regionType", "unitIdentifier"]
    done = await update_unit(
        gql, token, regionType="HMT", unitIdentifier="hk-68012345", confirmReverification=True
    )
    # The verified classification is kept until the manual review approves the change.
    assert done["enterprise"] == {
        "regionType": "DOMESTIC",
        "legalPersonType": "ENTERPRISE",
        "unitIdentifier": None,
        "unitNature": None,
    }
    verification = await my_verification(gql, token)
    assert verification["currentCase"]["route"] == "MANUAL"
    assert verification["currentCase"]["claim"]["code"] == "HK-68012345"


async def test_unit_errors_and_confirmations_name_the_update_inputs(gql, hooks, container):
    token = await verified_unit(gql, hooks, container)

    bad = await update_unit(gql, token, legalRepresentativeIdNumber="110105198503120038")
    assert bad["__typename"] == "ValidationErrors", bad
    assert [e["field"] for e in bad["errors"]] == ["legalRepresentativeIdNumber"]
    bad_code = await update_unit(gql, token, uscc="91110000MA01K7PW7I")
    assert [(e["field"], e["code"]) for e in bad_code["errors"]] == [("uscc", "USCC_IMMUTABLE")]
    # Not even to another registered unit's code (the audit's case), nor with re-verification.
    other = await update_unit(gql, token, uscc="91320102MA1N8X3Q5W", confirmReverification=True)
    assert [(e["field"], e["code"]) for e in other["errors"]] == [("uscc", "USCC_IMMUTABLE")]
    same = await update_unit(gql, token, uscc=" 91110000ma01k7pw7y ", address="北京市海淀区1号")
    assert same["__typename"] != "ValidationErrors", same
    cleared = await update_unit(gql, token, regionType=None)
    assert [(e["field"], e["code"]) for e in cleared["errors"]] == [("regionType", "REQUIRED")]

    asked = await update_unit(gql, token, legalRepresentativeName="李娜")
    assert asked["fields"] == ["legalRepresentativeName"]
    assert (await my_verification(gql, token))["status"] == "VERIFIED"


async def test_an_id_number_another_account_holds_is_refused_at_once(gql, hooks, container, clock):
    await resident(gql, hooks, container, ZHANG_WEI)
    clock.advance(seconds=61)
    li_na = {
        "realName": "李娜",
        "regionType": "MAINLAND",
        "idType": "RESIDENT_ID_CARD",
        "idNumber": "320102199007210048",
        "idValidFrom": "2018-09-10",
        "idValidUntil": "2038-09-10",
    }
    token = await resident(gql, hooks, container, li_na, phone="13812340000", loginName="lina2026")
    assert (await submit(gql, hooks, token, person=li_na))["verification"]["status"] == "VERIFIED"
    change = {"idNumber": ZHANG_WEI["idNumber"], "confirmReverification": True}
    body = await gql(UPDATE, {"input": change}, token=token)
    refused = body["data"]["updateNaturalPerson"]
    assert refused["__typename"] == "ValidationErrors", refused
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("idNumber", "IDENTITY_TAKEN")]
    assert (await my_verification(gql, token))["status"] == "VERIFIED"  # nothing opened
