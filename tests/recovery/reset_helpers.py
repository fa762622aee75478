"""GraphQL documents and steps for the password-reset tests (SPEC §5)."""

from __future__ import annotations

import re
from typing import Any

from identity_graph.container import Container, TestHooks
from identity_graph.notifications.models import Channel
from tests.graphql.accounts_helpers import ERRORS, latest_sms
from tests.graphql.helpers import solved_captcha

NEW_PASSWORD = "Fresh#Start2027"
UNIT_NAME = "福州示例贸易有限公司"
REP_NAME = "李四"
REP_ID = "440304198510152347"

START = (
    """
mutation Start($input: StartPasswordResetInput!) {
  startPasswordReset(input: $input) {
    __typename
    ... on PasswordResetStarted {
      flowId channel maskedDestination expiresAt resendAfterSeconds message
    }
"""
    + ERRORS
    + "  }\n}\n"
)

COMPLETE = (
    """
mutation Complete($input: CompletePasswordResetInput!) {
  completePasswordReset(input: $input) {
    __typename
    ... on PasswordResetCompleted { passwordStrength sessionsEnded }
"""
    + ERRORS
    + "  }\n}\n"
)


async def start_person(
    gql: Any,
    hooks: TestHooks,
    login_name: str = "zhangsan",
    destination: str = "13812345678",
    channel: str = "SMS",
    language: str | None = None,
) -> dict[str, Any]:
    captcha_id, answer = await solved_captcha(gql, hooks)
    variables = {
        "kind": "NATURAL_PERSON",
        "loginName": login_name,
        "channel": channel,
        "destination": destination,
        "captchaId": captcha_id,
        "captchaAnswer": answer,
    }
    body = await gql(START, {"input": variables}, language=language)
    assert "errors" not in body, body
    return dict(body["data"]["startPasswordReset"])


async def start_unit(
    gql: Any,
    hooks: TestHooks,
    identifier: str = "AcmeTrading01",
    name: str = REP_NAME,
    id_number: str = REP_ID,
    language: str | None = None,
) -> dict[str, Any]:
    captcha_id, answer = await solved_captcha(gql, hooks)
    variables = {
        "kind": "ENTERPRISE",
        "loginName": identifier,
        "legalRepresentativeName": name,
        "idNumber": id_number,
        "captchaId": captcha_id,
        "captchaAnswer": answer,
    }
    body = await gql(START, {"input": variables}, language=language)
    assert "errors" not in body, body
    return dict(body["data"]["startPasswordReset"])


async def complete(
    gql: Any, flow_id: str, code: str, language: str | None = None, **overrides: Any
) -> dict[str, Any]:
    variables = {
        "flowId": flow_id,
        "code": code,
        "newPassword": NEW_PASSWORD,
        "reason": "FORGOTTEN",
        **overrides,
    }
    body = await gql(COMPLETE, {"input": variables}, language=language)
    assert "errors" not in body, body
    return dict(body["data"]["completePasswordReset"])


async def received_code(container: Container, destination: str) -> str:
    match = re.search(r"\b(\d{6})\b", await latest_sms(container, destination))
    assert match, "no code in the outbox"
    return match.group(1)


def field_codes(result: dict[str, Any]) -> list[tuple[str, str]]:
    assert result["__typename"] == "ValidationErrors", result
    return [(error["field"], error["code"]) for error in result["errors"]]


async def received_email_code(container: Container, address: str) -> str:
    messages = await container.notifier.list_messages(
        destination=address, channel=Channel.EMAIL, limit=1
    )
    match = re.search(r"\b(\d{6})\b", messages[0].text if messages else "")
    assert match, "no code in the e-mail outbox"
    return match.group(1)
