"""Small helpers shared by GraphQL tests: captchas via the test hook, common documents."""

from __future__ import annotations

import uuid
from typing import Any

from identity_graph.container import TestHooks

CAPTCHA = "{ captcha { id imageDataUrl expiresAt } }"

REQUEST_SMS_CODE = """
mutation RequestSmsCode($input: RequestSmsCodeInput!) {
  requestSmsCode(input: $input) {
    __typename
    ... on SmsCodeSent { expiresAt resendAfterSeconds message }
    ... on ValidationErrors { code message errors { field code message } }
    ... on RateLimitedError { code message retryAfter scope }
  }
}
"""


async def solved_captcha(gql: Any, hooks: TestHooks) -> tuple[str, str]:
    """A fresh captcha id and its answer (read through the container's test hook)."""
    body = await gql(CAPTCHA)
    captcha_id = body["data"]["captcha"]["id"]
    return captcha_id, hooks.captcha_answers[uuid.UUID(captcha_id)]


async def request_code(
    gql: Any,
    hooks: TestHooks,
    phone: str,
    purpose: str = "REGISTER",
    language: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    captcha_id, answer = await solved_captcha(gql, hooks)
    variables = {
        "purpose": purpose,
        "phone": phone,
        "captchaId": captcha_id,
        "captchaAnswer": answer,
    }
    variables.update(overrides)
    body = await gql(REQUEST_SMS_CODE, {"input": variables}, language=language)
    return dict(body["data"]["requestSmsCode"])
