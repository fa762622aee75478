"""Re-verification on change (SPEC §4.4): a verified person changing a listed field is asked
to confirm; confirmed, the status resets and verification runs again; an identity change
goes to manual review; unlisted fields change freely."""

from __future__ import annotations

import pytest

from tests.graphql.accounts_helpers import ERRORS
from tests.verification.flows import ZHANG_WEI, my_verification, resident, submit

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


async def test_changing_the_id_number_asks_first_then_goes_to_manual_review(gql, hooks, container):
    token = await verified(gql, hooks, container)
    change = {"idNumber": "110108197906150093"}

    asked = (await gql(UPDATE, {"input": change}, token=token))["data"]["updateNaturalPerson"]
    assert asked["__typename"] == "ConfirmationRequiredError"
    assert asked["fields"] == ["idNumber"]
    assert (await my_verification(gql, token))["status"] == "VERIFIED"

    body = await gql(UPDATE, {"input": {**change, "confirmReverification": True}}, token=token)
    done = body["data"]["updateNaturalPerson"]
    assert done["__typename"] == "NaturalPersonUpdated", done
    assert done["naturalPerson"]["idNumber"] == "110108197906150093"
    verification = await my_verification(gql, token)
    assert verification["status"] == "UNVERIFIED"
    assert verification["level"] == "PHONE_VERIFIED"
    assert verification["currentCase"]["route"] == "MANUAL"
    assert verification["nextSteps"] == ["MANUAL_REVIEW", "SUBMIT"]
    records = (await gql(RECORDS, token=token))["data"]["infoUpdateRecords"]["edges"]
    assert records[0]["node"]["reverification"] is True


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
