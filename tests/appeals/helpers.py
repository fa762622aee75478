"""GraphQL documents and steps shared by the appeal tests."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import orjson

from identity_graph.accounts.enums import Role
from identity_graph.container import Container, TestHooks
from identity_graph.core.audit import AuditContext
from tests.files import samples
from tests.graphql.accounts_helpers import ERRORS, latest_sms, sms_code

SUBMIT = (
    """
mutation Submit($input: SubmitAppealInput!) {
  submitAppeal(input: $input) {
    __typename
    ... on AppealSubmitted { appeal { number kind status dueOn decidedAt reasons { code text } } }
"""
    + ERRORS
    + "  }\n}\n"
)

STATUS = (
    """
query Status($number: String!, $phone: String!) {
  appealStatus(number: $number, phone: $phone) {
    __typename
    ... on AppealReceipt { number kind status dueOn decidedAt reasons { code text } }
"""
    + ERRORS
    + "  }\n}\n"
)

APPEAL_FIELDS = """id number kind status dueOn overdue decidedAt note accountId phone
  reasons { code text } form { name value } materials { kind mime size name dataUrl }"""

QUEUE = (
    """
query Queue($kind: AppealKind, $status: [AppealStatus!], $first: Int!, $after: String) {
  appeals(kind: $kind, status: $status, first: $first, after: $after) {
    edges { cursor node { """
    + APPEAL_FIELDS
    + """ } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
)

TAKE = (
    """
mutation Take($id: ID!) {
  startAppealReview(appealId: $id) {
    __typename
    ... on AppealTaken { appeal { id status } }
"""
    + ERRORS
    + "  }\n}\n"
)

DECIDE = (
    """
mutation Decide($input: DecideAppealInput!) {
  decideAppeal(input: $input) {
    __typename
    ... on AppealDecided { appeal { id status accountId reasons { code text } } }
"""
    + ERRORS
    + "  }\n}\n"
)

# 张伟 in the sandbox registry.
RESIDENT = {
    "realName": "张伟",
    "regionType": "MAINLAND",
    "idType": "RESIDENT_ID_CARD",
    "idNumber": "110105198503120039",
}
NEW_PHONE = "13700001111"


def id_scans() -> list[tuple[str, str, bytes]]:
    return [("ID_FRONT", "front.png", samples.png()), ("ID_BACK", "back.jpg", samples.jpeg())]


async def submit_appeal(
    client: Any,
    values: dict[str, Any],
    files: list[tuple[str, str, bytes]],
    *,
    language: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """``submitAppeal`` as a GraphQL multipart request, one file per material."""
    materials = [{"kind": kind, "file": None} for kind, _, _ in files]
    operations = {"query": SUBMIT, "variables": {"input": {**values, "materials": materials}}}
    mapping = {str(i): [f"variables.input.materials.{i}.file"] for i in range(len(files))}
    headers = {"Apollo-Require-Preflight": "true"}
    if language:
        headers["Accept-Language"] = language
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await client.post(
        "/graphql",
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps(mapping).decode(),
        },
        files={
            str(i): (name, data, "application/octet-stream")
            for i, (_, name, data) in enumerate(files)
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"]["submitAppeal"])


async def appeal_values(
    gql: Any, hooks: TestHooks, container: Container, phone: str = NEW_PHONE, **fields: Any
) -> dict[str, Any]:
    code = await sms_code(gql, hooks, container, phone, "APPEAL")
    return {"kind": "PERSON_PASSWORD", "phone": phone, "smsCode": code, **RESIDENT, **fields}


async def reviewer_token(container: Container, name: str = "appeal-reviewer") -> str:
    account = await container.accounts.create_staff(
        name, "a long password here", [Role.REVIEWER], AuditContext()
    )
    return await container.sessions.issue_personal_token(
        account, "test", timedelta(days=1), AuditContext()
    )


async def reset_link(container: Container, phone: str) -> str:
    text = await latest_sms(container, phone)
    match = re.search(r"https?://\S+/appeals/reset/([A-Za-z0-9_-]+)", text)
    assert match, text
    return f"/appeals/reset/{match.group(1)}"
