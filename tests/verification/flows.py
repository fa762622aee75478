"""GraphQL documents and steps shared by the verification scenario tests.

Identities come from the packaged sandbox registry (``data/sandbox_registry.json``).
"""

from __future__ import annotations

from typing import Any

from identity_graph.accounts import pledge
from identity_graph.container import Container, TestHooks
from tests.graphql.accounts_helpers import ERRORS, login, register_enterprise, register_person
from tests.graphql.helpers import solved_captcha

VERIFICATION = """
  status statusText level nextSteps
  currentCase { id route status failureReason failureFields decidedBy level
                claim { name idNumber code }
                attempts(first: 100) { edges { node { method provider outcome mismatched } } }
                reviews(first: 100) {
                  edges { node { id status dueOn overdue reasons { code text } } } } }
"""


def flattened(verification: dict[str, Any]) -> dict[str, Any]:
    """The case's attempts and reviews (connections) as plain lists, as the tests read them."""
    case = verification.get("currentCase")
    if case:
        for name in ("attempts", "reviews"):
            case[name] = [edge["node"] for edge in case[name]["edges"]]
    return verification


SUBMIT = (
    """
mutation Submit($input: SubmitRealNameVerificationInput!) {
  submitRealNameVerification(input: $input) {
    __typename
    ... on VerificationSubmitted { verification { """
    + VERIFICATION
    + """ } }
"""
    + ERRORS
    + "  }\n}\n"
)

MY_VERIFICATION = "{ myVerification { " + VERIFICATION + " } }"

START_FACE = (
    """
mutation Face($returnUrl: String) {
  startFaceVerification(returnUrl: $returnUrl) {
    __typename
    ... on ChallengeStarted { challengeId url qrImage expiresAt }
"""
    + ERRORS
    + "  }\n}\n"
)

START_LICENCE = START_FACE.replace("Face(", "Licence(").replace(
    "startFaceVerification", "startBusinessLicenceVerification"
)

UPLOAD = (
    """
mutation Upload($kind: DocumentKind!, $file: Upload!) {
  uploadDocument(kind: $kind, file: $file) {
    __typename
    ... on DocumentUploaded { document { id kind mime size name } }
"""
    + ERRORS
    + "  }\n}\n"
)

SUBMIT_REVIEW = (
    """
mutation Review($input: SubmitManualReviewInput!) {
  submitManualReview(input: $input) {
    __typename
    ... on ReviewSubmitted { review { id status dueOn overdue } }
"""
    + ERRORS
    + "  }\n}\n"
)

DECIDE = (
    """
mutation Decide($input: DecideReviewInput!) {
  decideReview(input: $input) {
    __typename
    ... on ReviewDecided { review { id status reasons { code text } } }
"""
    + ERRORS
    + "  }\n}\n"
)

QUEUE = """
query Queue($status: [ReviewStatus!], $first: Int!, $after: String) {
  reviewQueue(status: $status, first: $first, after: $after) {
    edges { cursor node { id status dueOn overdue subject accountId
            claim { name idNumber } documents { id kind mime dataUrl } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# 张伟 in the sandbox registry.
ZHANG_WEI = {
    "realName": "张伟",
    "regionType": "MAINLAND",
    "idType": "RESIDENT_ID_CARD",
    "idNumber": "110105198503120039",
    "idValidFrom": "2015-06-01",
    "idValidUntil": "2035-06-01",
}

# 北京星桥信息技术有限公司, legal representative 张伟, licence password licence-1.
XINGQIAO = {
    "code": "91110000MA01K7PW7Y",
    "unitName": "北京星桥信息技术有限公司",
    "legalRepresentative": {
        "name": "张伟",
        "idType": "RESIDENT_ID_CARD",
        "idNumber": "110105198503120039",
    },
    "foundingDate": "2014-05-20",
    "address": "北京市海淀区中关村大街1号",
}


async def resident(
    gql: Any, hooks: TestHooks, container: Container, identity: dict[str, Any], **extra: Any
) -> str:
    """Register a resident with ``identity`` and return an access token."""
    phone = extra.pop("phone", "13812345678")
    login_name = extra.pop("loginName", "zhangwei")
    fields = {k: v for k, v in identity.items() if k != "idValidUntil" or v}
    result = await register_person(
        gql, hooks, container, phone=phone, login_name=login_name, **fields, **extra
    )
    assert result["__typename"] == "Registered", result
    tokens = await login(gql, "NATURAL_PERSON", login_name)
    return str(tokens["accessToken"])


async def enterprise(
    gql: Any, hooks: TestHooks, container: Container, unit: dict[str, Any], **extra: Any
) -> str:
    login_name = extra.pop("loginName", "XingqiaoTech")
    result = await register_enterprise(
        gql,
        hooks,
        container,
        login_name=login_name,
        unit={
            "name": unit["unitName"],
            "regionType": extra.pop("regionType", "DOMESTIC"),
            "legalPersonType": extra.pop("legalPersonType", "ENTERPRISE"),
            "address": unit["address"],
            "uscc": unit["code"],
            "foundingDate": unit.get("foundingDate"),
        },
        legalRepresentative={**unit["legalRepresentative"], "idLongTerm": True},
        **extra,
    )
    assert result["__typename"] == "Registered", result
    tokens = await login(gql, "ENTERPRISE", login_name)
    return str(tokens["accessToken"])


async def submit(
    gql: Any,
    hooks: TestHooks,
    token: str,
    *,
    person: Any = None,
    unit: Any = None,
    language: str | None = None,
) -> dict[str, Any]:
    captcha_id, answer = await solved_captcha(gql, hooks)
    variables = {
        "input": {
            "person": person,
            "unit": unit,
            "captchaId": captcha_id,
            "captchaAnswer": answer,
            "pledgeAccepted": True,
            "pledgeVersion": pledge.CURRENT.version,
        }
    }
    body = await gql(SUBMIT, variables, token=token, language=language)
    assert "errors" not in body, body
    result = dict(body["data"]["submitRealNameVerification"])
    if "verification" in result:
        flattened(result["verification"])
    return result


async def my_verification(gql: Any, token: str) -> dict[str, Any]:
    body = await gql(MY_VERIFICATION, token=token)
    assert "errors" not in body, body
    return flattened(dict(body["data"]["myVerification"]))


async def upload(
    client: Any, token: str, kind: str, data: bytes, name: str = "scan.png"
) -> dict[str, Any]:
    """``uploadDocument`` as a GraphQL multipart request (the spec's operations/map/files)."""
    import orjson

    operations = orjson.dumps({"query": UPLOAD, "variables": {"kind": kind, "file": None}})
    response = await client.post(
        "/graphql",
        data={"operations": operations.decode(), "map": '{"0": ["variables.file"]}'},
        files={"0": (name, data, "application/octet-stream")},
        headers={"Authorization": f"Bearer {token}", "Apollo-Require-Preflight": "true"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"]["uploadDocument"])
