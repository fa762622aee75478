"""``changePassword`` over HTTP (SPEC §3, §4.4): the old password is required, the new one
follows the registration policy, every other session ends, the reserved phone is told, and
the change is audited and kept as an info update record with hidden values."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from identity_graph.accounts.models import InfoUpdateRecord, PasswordCredential
from identity_graph.core.audit import AuditEvent
from tests.graphql.accounts_helpers import ERRORS, PASSWORD, latest_sms, login, register_person
from tests.graphql.helpers import solved_captcha

NEW_PASSWORD = "Better#Pass2027"  # four classes, 15 characters: STRONG
PHONE = "13812345678"

CHANGE_PASSWORD = (
    """
mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    __typename
    ... on PasswordChanged { passwordStrength }
"""
    + ERRORS
    + "  }\n}\n"
)

REFRESH = (
    """
mutation Refresh($token: String!) {
  refreshSession(refreshToken: $token) {
    __typename
    ... on SessionTokens { accessToken refreshToken }
"""
    + ERRORS
    + "  }\n}\n"
)

ME_ID = "{ me { id loginName } }"

RECORDS = """
query Records($first: Int!, $after: String) {
  infoUpdateRecords(first: $first, after: $after) {
    edges { cursor node { changedAt actorId reverification
                          changes { field oldValue newValue } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def change_password(
    gql: Any, token: str | None, old: str, new: str, **options: Any
) -> dict[str, Any]:
    body = await gql(
        CHANGE_PASSWORD, {"input": {"oldPassword": old, "newPassword": new}}, token=token, **options
    )
    assert "errors" not in body, body
    return dict(body["data"]["changePassword"])


async def resident_with_two_sessions(gql, hooks, container) -> tuple[str, dict, dict]:
    registered = await register_person(gql, hooks, container)
    assert registered["__typename"] == "Registered", registered
    first = await login(gql, "NATURAL_PERSON", "zhangsan")
    second = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert first["__typename"] == second["__typename"] == "SessionTokens", (first, second)
    return registered["account"]["id"], first, second


def field_errors(result: dict[str, Any]) -> list[tuple[str, str]]:
    assert result["__typename"] == "ValidationErrors", result
    return [(error["field"], error["code"]) for error in result["errors"]]


async def me_id(gql: Any, token: str) -> str | None:
    body = await gql(ME_ID, token=token)
    me = (body.get("data") or {}).get("me")
    return me["id"] if me else None


async def password_hash(account_id: str) -> str:
    return (await PasswordCredential.get(account_id=uuid.UUID(account_id))).hash


async def test_change_ends_other_sessions_and_swaps_the_login_password(gql, hooks, container):
    account_id, session_a, session_b = await resident_with_two_sessions(gql, hooks, container)

    result = await change_password(gql, session_a["accessToken"], PASSWORD, NEW_PASSWORD)
    assert result == {"__typename": "PasswordChanged", "passwordStrength": "STRONG"}

    # Session B is over: its access token is refused at once, its refresh token too.
    refused = await gql(ME_ID, token=session_b["accessToken"])
    assert refused["data"]["me"] is None
    assert refused["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    b_refresh = (await gql(REFRESH, {"token": session_b["refreshToken"]}))["data"]
    assert b_refresh["refreshSession"]["__typename"] == "ValidationErrors"
    assert field_errors(b_refresh["refreshSession"]) == [("refreshToken", "REFRESH_TOKEN_INVALID")]

    # Session A, the one that made the change, goes on working, refresh included.
    assert await me_id(gql, session_a["accessToken"]) == account_id
    a_refresh = (await gql(REFRESH, {"token": session_a["refreshToken"]}))["data"]
    assert a_refresh["refreshSession"]["__typename"] == "SessionTokens", a_refresh
    assert await me_id(gql, a_refresh["refreshSession"]["accessToken"]) == account_id

    # The new password logs in; the old one no longer does.
    assert (await login(gql, "NATURAL_PERSON", "zhangsan", NEW_PASSWORD))[
        "__typename"
    ] == "SessionTokens"
    old = await login(gql, "NATURAL_PERSON", "zhangsan", PASSWORD)
    assert old["__typename"] == "LoginRefusedError", old
    assert old["code"] == "INVALID_CREDENTIALS"


async def test_change_tells_the_reserved_phone_audits_and_records(gql, hooks, container):
    account_id, session, _ = await resident_with_two_sessions(gql, hooks, container)
    result = await change_password(gql, session["accessToken"], PASSWORD, NEW_PASSWORD)
    assert result["__typename"] == "PasswordChanged", result

    [message] = await container.notifier.list_messages(destination=PHONE, limit=1)
    assert message.template == "password_changed"
    text = await latest_sms(container, PHONE)
    assert "zhangsan" in text
    assert "密码已于" in text
    assert "2026-11-23 10:00" in text  # the FixedClock's moment, in China time
    assert PASSWORD not in text
    assert NEW_PASSWORD not in text

    [event] = await AuditEvent.filter(action="account.password_changed")
    assert event.subject_id == account_id
    assert str(event.actor_id) == account_id
    assert event.details.get("ended") == 1  # the second session
    assert NEW_PASSWORD not in str(event.details)

    body = await gql(RECORDS, {"first": 20}, token=session["accessToken"])
    assert "errors" not in body, body
    edges = body["data"]["infoUpdateRecords"]["edges"]
    assert len(edges) == 1
    node = edges[0]["node"]
    assert node["changes"] == [{"field": "password", "oldValue": "******", "newValue": "******"}]
    assert node["actorId"] == account_id
    assert node["reverification"] is False
    stored = await InfoUpdateRecord.get(account_id=uuid.UUID(account_id))
    assert PASSWORD not in str(stored.changes)
    assert NEW_PASSWORD not in str(stored.changes)


async def test_wrong_old_password_is_refused_and_changes_nothing(gql, hooks, container):
    account_id, session_a, session_b = await resident_with_two_sessions(gql, hooks, container)
    before = await password_hash(account_id)

    result = await change_password(gql, session_a["accessToken"], "Wrong#Pass2026", NEW_PASSWORD)
    assert field_errors(result) == [("oldPassword", "PASSWORD_WRONG")]
    assert result["errors"][0]["message"] == "密码错误"

    english = await change_password(
        gql, session_a["accessToken"], "Wrong#Pass2026", NEW_PASSWORD, language="en"
    )
    assert english["errors"][0]["message"] == "Wrong password"

    assert await password_hash(account_id) == before
    assert await me_id(gql, session_b["accessToken"]) == account_id  # B not logged out
    assert await AuditEvent.filter(action="account.password_changed").count() == 0
    assert await InfoUpdateRecord.filter(account_id=uuid.UUID(account_id)).count() == 0
    assert "密码已于" not in await latest_sms(container, PHONE)
    assert (await login(gql, "NATURAL_PERSON", "zhangsan"))["__typename"] == "SessionTokens"


async def test_new_password_must_follow_the_policy(gql, hooks, container):
    account_id, session, other = await resident_with_two_sessions(gql, hooks, container)
    before = await password_hash(account_id)
    token = session["accessToken"]

    cases = {
        "onlylowercase1": "PASSWORD_TOO_FEW_CLASSES",
        "Zhangsan#2026": "PASSWORD_SAME_AS_LOGIN_NAME",
        "Ab#1": "PASSWORD_TOO_SHORT",
    }
    for new, code in cases.items():
        result = await change_password(gql, token, PASSWORD, new)
        assert field_errors(result) == [("newPassword", code)], new

    # The policy also compares with the reserved phone.
    result = await change_password(gql, token, PASSWORD, PHONE)
    assert field_errors(result) == [("newPassword", "PASSWORD_SAME_AS_PHONE")]

    unchanged = await change_password(gql, token, PASSWORD, PASSWORD)
    assert field_errors(unchanged) == [("newPassword", "PASSWORD_UNCHANGED")]

    assert await password_hash(account_id) == before
    assert await me_id(gql, other["accessToken"]) == account_id
    assert await InfoUpdateRecord.filter(account_id=uuid.UUID(account_id)).count() == 0


async def test_guessing_the_old_password_is_rate_limited(gql, hooks, container, clock):
    account_id, session, _ = await resident_with_two_sessions(gql, hooks, container)
    before = await password_hash(account_id)
    token = session["accessToken"]
    for attempt in range(5):
        result = await change_password(gql, token, f"Guess#{attempt}abcd", NEW_PASSWORD)
        assert field_errors(result) == [("oldPassword", "PASSWORD_WRONG")], attempt

    # Even the right password is not checked now: the limit is per account.
    limited = await change_password(gql, token, PASSWORD, NEW_PASSWORD)
    assert limited["__typename"] == "RateLimitedError", limited
    assert limited["scope"] == "password_reentry"
    assert 0 < limited["retryAfter"] <= 900
    assert await AuditEvent.filter(action="account.password_changed").count() == 0
    assert await password_hash(account_id) == before

    # A new session of the same account is limited as well.
    fresh = await login(gql, "NATURAL_PERSON", "zhangsan")
    again = await change_password(gql, fresh["accessToken"], PASSWORD, NEW_PASSWORD)
    assert again["__typename"] == "RateLimitedError", again

    # Once the window has passed (the access token expired meanwhile: refresh it).
    clock.advance(timedelta(seconds=901))
    refreshed = (await gql(REFRESH, {"token": session["refreshToken"]}))["data"]["refreshSession"]
    assert refreshed["__typename"] == "SessionTokens", refreshed
    done = await change_password(gql, refreshed["accessToken"], PASSWORD, NEW_PASSWORD)
    assert done["__typename"] == "PasswordChanged", done


async def test_a_right_password_resets_the_guess_count(gql, hooks, container):
    _, session, _ = await resident_with_two_sessions(gql, hooks, container)
    token = session["accessToken"]
    for attempt in range(4):
        result = await change_password(gql, token, f"Guess#{attempt}abcd", NEW_PASSWORD)
        assert field_errors(result) == [("oldPassword", "PASSWORD_WRONG")]
    # The right old password (refused only as unchanged) clears the count...
    unchanged = await change_password(gql, token, PASSWORD, PASSWORD)
    assert field_errors(unchanged) == [("newPassword", "PASSWORD_UNCHANGED")]
    for attempt in range(4):
        result = await change_password(gql, token, f"Again#{attempt}abcd", NEW_PASSWORD)
        assert field_errors(result) == [("oldPassword", "PASSWORD_WRONG")]
    # ...so nine wrong guesses in all still leave room for the real change.
    done = await change_password(gql, token, PASSWORD, NEW_PASSWORD)
    assert done["__typename"] == "PasswordChanged", done


async def test_anonymous_caller_is_not_authorized(gql, hooks, container):
    registered = await register_person(gql, hooks, container)
    assert registered["__typename"] == "Registered"
    result = await change_password(gql, None, PASSWORD, NEW_PASSWORD)
    assert result["__typename"] == "NotAuthorizedError", result
    assert result["code"] == "NOT_AUTHENTICATED"
    bogus = await change_password(gql, "not-a-token", PASSWORD, NEW_PASSWORD)
    assert bogus["__typename"] == "NotAuthorizedError"
    assert bogus["code"] == "NOT_AUTHENTICATED"
    assert await AuditEvent.filter(action="account.password_changed").count() == 0
    # The password is the same as before.
    captcha = await solved_captcha(gql, hooks)
    assert (await login(gql, "NATURAL_PERSON", "zhangsan", captcha=captcha))[
        "__typename"
    ] == "SessionTokens"
