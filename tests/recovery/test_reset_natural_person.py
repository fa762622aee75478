"""A resident resets by login name (seed 002 §3.1.1) over GraphQL: code to the reserved phone
or e-mail, new password under the policy, every session and refresh token ended, lockout
and lock lifted, a notice sent, audit events written."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.core.audit import AuditEvent
from identity_graph.sessions.oauth_refresh import RefreshGrant
from tests.graphql.accounts_helpers import PASSWORD, latest_sms, login, register_person
from tests.graphql.test_change_password import REFRESH, me_id
from tests.recovery.reset_helpers import (
    NEW_PASSWORD,
    complete,
    field_codes,
    received_code,
    received_email_code,
    start_person,
)

PHONE = "13812345678"


async def test_reset_by_login_name_and_sms(gql, hooks, container, clock):
    registered = await register_person(gql, hooks, container)
    account_id = registered["account"]["id"]
    session = await login(gql, "NATURAL_PERSON", "zhangsan")
    clock.advance(seconds=61)

    started = await start_person(gql, hooks)
    assert started["__typename"] == "PasswordResetStarted", started
    assert started["maskedDestination"] == "138****5678"
    assert started["resendAfterSeconds"] == 60
    assert "138****5678" in started["message"]
    code = await received_code(container, PHONE)

    done = await complete(gql, started["flowId"], code)
    assert done == {
        "__typename": "PasswordResetCompleted",
        "passwordStrength": "STRONG",
        "sessionsEnded": 1,
    }
    assert await me_id(gql, session["accessToken"]) is None
    refreshed = await gql(REFRESH, {"token": session["refreshToken"]})
    assert refreshed["data"]["refreshSession"]["__typename"] != "SessionTokens"
    assert (await login(gql, "NATURAL_PERSON", "zhangsan"))["__typename"] != "SessionTokens"
    captcha = await _captcha(gql, hooks)
    fresh = await login(gql, "NATURAL_PERSON", "zhangsan", NEW_PASSWORD, captcha=captcha)
    assert fresh["__typename"] == "SessionTokens", fresh
    assert "通过找回密码设置了新密码" in await latest_sms(container, PHONE)
    actions = await AuditEvent.filter(subject_id=account_id).values_list("action", flat=True)
    assert {"password_reset.started", "account.password_reset"} <= set(actions)


async def test_reset_by_email(gql, hooks, container):
    await register_person(gql, hooks, container, email="Zhang.San@Example.COM")
    started = await start_person(gql, hooks, channel="EMAIL", destination="zhang.san@example.com")
    assert started["maskedDestination"] == "z***@example.com", started
    assert started["channel"] == "EMAIL"
    code = await received_email_code(container, "Zhang.San@example.com")
    done = await complete(gql, started["flowId"], code, reason="SUSPECTED_LEAK")
    assert done["__typename"] == "PasswordResetCompleted", done


async def test_locked_account_resets_and_is_unlocked(gql, hooks, container, clock):
    await register_person(gql, hooks, container)
    for _ in range(5):
        captcha = await _captcha(gql, hooks)
        await login(gql, "NATURAL_PERSON", "zhangsan", "Wrong#Pass2026", captcha=captcha)
    locked = await login(gql, "NATURAL_PERSON", "zhangsan", captcha=await _captcha(gql, hooks))
    assert locked["code"] == "ACCOUNT_TEMPORARILY_LOCKED", locked
    await Account.filter(login_name="zhangsan").update(status=AccountStatus.LOCKED)
    clock.advance(seconds=61)

    started = await start_person(gql, hooks)
    done = await complete(gql, started["flowId"], await received_code(container, PHONE))
    assert done["__typename"] == "PasswordResetCompleted", done
    assert (await Account.get(login_name="zhangsan")).status == AccountStatus.ACTIVE
    captcha = await _captcha(gql, hooks)
    fresh = await login(gql, "NATURAL_PERSON", "zhangsan", NEW_PASSWORD, captcha=captcha)
    assert fresh["__typename"] == "SessionTokens", fresh


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (AccountStatus.DISABLED, "ACCOUNT_DISABLED", "This account has been disabled"),
        (
            AccountStatus.PENDING_ACTIVATION,
            "ACCOUNT_PENDING_ACTIVATION",
            "This account is not activated yet; activate it first (/activate)",
        ),
    ],
)
async def test_disabled_or_pending_account_is_refused_after_the_code(
    gql, hooks, container, status, code, message
):
    await register_person(gql, hooks, container)
    await Account.filter(login_name="zhangsan").update(status=status)
    started = await start_person(gql, hooks)
    assert started["__typename"] == "PasswordResetStarted"
    received = await received_code(container, PHONE)
    wrong_code = "000000" if received != "000000" else "111111"
    wrong = await complete(gql, started["flowId"], wrong_code, language="en")
    assert field_codes(wrong) == [("code", "RESET_CODE_WRONG")]  # the refusal waits for the code
    refused = await complete(gql, started["flowId"], received, language="en")
    assert refused == {"__typename": "OperationRefused", "code": code, "message": message}
    assert (await login(gql, "NATURAL_PERSON", "zhangsan", PASSWORD))["code"] == code


async def test_code_errors(gql, hooks, container, clock):
    await register_person(gql, hooks, container)
    started = await start_person(gql, hooks)
    code = await received_code(container, PHONE)
    wrong = "000000" if code != "000000" else "111111"

    first = await complete(gql, started["flowId"], wrong, language="en")
    assert field_codes(first) == [("code", "RESET_CODE_WRONG")]
    assert first["errors"][0]["message"] == "Wrong code"
    for _ in range(4):
        await complete(gql, started["flowId"], wrong)
    exhausted = await complete(gql, started["flowId"], code)
    assert field_codes(exhausted) == [("code", "RESET_CODE_EXHAUSTED")]

    clock.advance(seconds=61)
    again = await start_person(gql, hooks)
    clock.advance(seconds=301)
    expired = await complete(gql, again["flowId"], await received_code(container, PHONE))
    assert field_codes(expired) == [("code", "RESET_CODE_EXPIRED")]

    clock.advance(seconds=61)
    third = await start_person(gql, hooks)
    third_code = await received_code(container, PHONE)
    assert (await complete(gql, third["flowId"], third_code))["__typename"] == (
        "PasswordResetCompleted"
    )
    reused = await complete(gql, third["flowId"], third_code, newPassword="Other#Pass2028")
    assert field_codes(reused) == [("code", "RESET_CODE_USED")]


async def test_a_newer_start_supersedes_the_older_flow(gql, hooks, container, clock):
    await register_person(gql, hooks, container)
    older = await start_person(gql, hooks)
    older_code = await received_code(container, PHONE)
    clock.advance(seconds=61)
    await start_person(gql, hooks)
    superseded = await complete(gql, older["flowId"], older_code, language="en")
    assert field_codes(superseded) == [("code", "RESET_SUPERSEDED")]


async def test_input_errors_name_their_fields(gql, hooks, container, clock):
    await register_person(gql, hooks, container)
    bad_phone = await start_person(gql, hooks, destination="12345")
    assert field_codes(bad_phone) == [("destination", "PHONE_INVALID")]
    bad_mail = await start_person(gql, hooks, channel="EMAIL", destination="nobody")
    assert field_codes(bad_mail) == [("destination", "EMAIL_INVALID")]
    blank = await start_person(gql, hooks, login_name=" ", language="en")
    assert field_codes(blank) == [("loginName", "REQUIRED")]
    assert blank["errors"][0]["message"] == "This field is required"

    started = await start_person(gql, hooks)
    code = await received_code(container, PHONE)
    unknown = await complete(gql, "not-a-flow", code)
    assert field_codes(unknown) == [("flowId", "RESET_FLOW_INVALID")]
    no_reason = await complete(gql, started["flowId"], code, reason=None)
    assert field_codes(no_reason) == [("reason", "RESET_REASON_REQUIRED")]
    assert no_reason["errors"][0]["message"] == "请选择密码修改原因"
    weak = await complete(gql, started["flowId"], code, newPassword="onlylowercase")
    assert field_codes(weak) == [("newPassword", "PASSWORD_TOO_FEW_CLASSES")]
    same_as_name = await complete(gql, started["flowId"], code, newPassword="Zhangsan#2027")
    assert field_codes(same_as_name) == [("newPassword", "PASSWORD_SAME_AS_LOGIN_NAME")]
    done = await complete(gql, started["flowId"], code)
    assert done["__typename"] == "PasswordResetCompleted", done


async def test_captcha_and_send_limits(gql, hooks, container, clock):
    await register_person(gql, hooks, container)
    body = await gql(
        "mutation($i: StartPasswordResetInput!) { startPasswordReset(input: $i) { __typename"
        " ... on ValidationErrors { errors { field code } } } }",
        {
            "i": {
                "kind": "NATURAL_PERSON",
                "loginName": "zhangsan",
                "destination": PHONE,
                "captchaId": "00000000-0000-0000-0000-000000000000",
                "captchaAnswer": "ABCD",
            }
        },
    )
    errors = body["data"]["startPasswordReset"]["errors"]
    assert errors == [{"field": "captchaAnswer", "code": "CAPTCHA_INVALID"}]
    assert (await start_person(gql, hooks))["__typename"] == "PasswordResetStarted"
    limited = await start_person(gql, hooks, language="en")
    assert limited["__typename"] == "RateLimitedError", limited
    assert limited["scope"] == "reset_resend" and 0 < limited["retryAfter"] <= 60
    clock.advance(timedelta(seconds=61))
    assert (await start_person(gql, hooks))["__typename"] == "PasswordResetStarted"


async def _captcha(gql, hooks):
    from tests.graphql.helpers import solved_captcha

    return await solved_captcha(gql, hooks)


async def test_partner_refresh_tokens_end_with_the_reset(gql, hooks, container, clock):
    registered = await register_person(gql, hooks, container)
    account_id = uuid.UUID(registered["account"]["id"])
    grant = RefreshGrant(
        client_id="idg-partner",
        account_id=account_id,
        session_id=None,  # e.g. a token exchange: bound to no login session
        scope="openid profile",
        acr="phone_verified",
        auth_time=clock.now(),
        family_id=uuid.uuid4(),
    )
    await container.oauth_refresh_tokens.store("partner-refresh-token", grant)
    assert await container.oauth_refresh_tokens.find("partner-refresh-token") is not None

    started = await start_person(gql, hooks)
    done = await complete(gql, started["flowId"], await received_code(container, PHONE))
    assert done["sessionsEnded"] == 1, done
    assert await container.oauth_refresh_tokens.find("partner-refresh-token") is None
