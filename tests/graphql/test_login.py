"""``login`` over HTTP (SPEC §3, §11): which identifiers each login form accepts, answers
that do not tell who exists, account states told only to the password holder, English
messages, audit events, and the Argon2 upgrade of old hashes at login."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from identity_graph.accounts.enums import AccountStatus, Role
from identity_graph.accounts.models import Account, PasswordCredential
from identity_graph.app import create_app
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext, AuditEvent
from identity_graph.sessions.tokens import LoginSession
from tests.graphql.accounts_helpers import (
    LOGIN,
    ME,
    PASSWORD,
    USCC,
    login,
    register_enterprise,
    register_person,
)
from tests.graphql.helpers import solved_captcha

WRONG = "Wrong#Pass2026"
STAFF_PASSWORD = "reviewer password 2026"
OLD_PARAMETERS = "$argon2id$v=19$m=19456,t=2,p=1$"
NEW_PARAMETERS = "$argon2id$v=19$m=8192,t=3,p=1$"


async def resident(gql, hooks, container) -> str:
    """Register ``zhangsan`` (phone 13812345678); return the account id."""
    result = await register_person(gql, hooks, container)
    assert result["__typename"] == "Registered", result
    return str(result["account"]["id"])


def assert_session(result: dict[str, Any], account_id: str, kind: str) -> None:
    assert result["__typename"] == "SessionTokens", result
    assert result["account"] == {"id": account_id, "kind": kind}
    assert result["tokenType"] == "Bearer"


def refused(code: str, remaining: int | None = None) -> dict[str, Any]:
    """The fields of a LoginRefusedError other than its message."""
    return {
        "__typename": "LoginRefusedError",
        "code": code,
        "unlockAt": None,
        "remainingAttempts": remaining,
    }


def without_message(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "message"}


async def raw_login(
    client: httpx.AsyncClient,
    kind: str,
    identifier: str,
    password: str,
    captcha: tuple[str, str] | None = None,
) -> bytes:
    """The HTTP body of a login, byte for byte."""
    variables: dict[str, Any] = {"kind": kind, "identifier": identifier, "password": password}
    if captcha:
        variables["captchaId"], variables["captchaAnswer"] = captcha
    response = await client.post(
        "/graphql", json={"query": LOGIN, "variables": {"input": variables}}
    )
    assert response.status_code == 200, response.text
    return response.content


async def me_error_code(gql, token: str) -> str | None:
    body = await gql(ME, token=token)
    if "errors" not in body:
        assert body["data"]["me"] is not None
        return None
    assert body["data"] is None or body["data"]["me"] is None
    return str(body["errors"][0]["extensions"]["code"])


@asynccontextmanager
async def served(container: Container, address: str = "203.0.113.7") -> AsyncIterator[Any]:
    """A ``gql`` function talking to an app built on ``container``."""
    app = create_app(container.settings, container, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:

        async def send(query: str, variables: dict[str, Any] | None = None, **kw: Any):
            headers = {"Authorization": f"Bearer {kw['token']}"} if kw.get("token") else {}
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        yield send


# --- which identifiers log in ----------------------------------------------------------


@pytest.mark.parametrize(
    "identifier", ["zhangsan", "ZhangSan", "ZHANGSAN", "  zhangsan ", "ｚｈａｎｇｓａｎ"]
)
async def test_resident_logs_in_by_login_name_in_any_case(gql, hooks, container, identifier):
    account_id = await resident(gql, hooks, container)
    assert_session(await login(gql, "NATURAL_PERSON", identifier), account_id, "NATURAL_PERSON")


@pytest.mark.parametrize(
    "identifier",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "138 1234 5678",
        "１３８１２３４５６７８",
    ],
)
async def test_resident_logs_in_by_mobile_number_in_common_formats(
    gql, hooks, container, identifier
):
    account_id = await resident(gql, hooks, container)
    assert_session(await login(gql, "NATURAL_PERSON", identifier), account_id, "NATURAL_PERSON")


async def test_resident_logs_in_by_full_width_mobile_number_with_plus(gql, hooks, container):
    """A Chinese IME in full-width mode types ``＋８６ １３８…``: registration accepts that form
    of the number (NFKC), so the login form should too."""
    account_id = await resident(gql, hooks, container)
    result = await login(gql, "NATURAL_PERSON", "＋８６ １３８ １２３４ ５６７８")
    assert_session(result, account_id, "NATURAL_PERSON")


async def test_an_over_long_identifier_is_not_cut_down_to_an_account_name(gql, hooks, container):
    """An identifier is at most 64 characters: ``zhangsan`` padded with spaces past that
    point, followed by anything, is refused as too long, never looked up as ``zhangsan``."""
    await resident(gql, hooks, container)
    padded = "zhangsan" + " " * 60 + "whatever"
    result = await login(gql, "NATURAL_PERSON", padded)
    assert result["__typename"] == "ValidationErrors", result
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("identifier", "TOO_LONG")]


async def test_enterprise_logs_in_by_account_name_and_credit_code(gql, hooks, container):
    registered = await register_enterprise(gql, hooks, container)
    assert registered["__typename"] == "Registered", registered
    account_id = registered["account"]["id"]
    for identifier in ("AcmeTrading01", "acmetrading01", USCC, USCC.lower(), f" {USCC} "):
        result = await login(gql, "ENTERPRISE", identifier)
        assert_session(result, account_id, "ENTERPRISE")
    me = (await gql(ME, token=result["accessToken"]))["data"]["me"]
    assert me["kind"] == "ENTERPRISE"
    assert me["enterprise"]["uscc"] == USCC


async def test_staff_logs_in_with_the_staff_form_only(gql, container):
    staff = await container.accounts.create_staff(
        "Reviewer01", STAFF_PASSWORD, [Role.REVIEWER], AuditContext()
    )
    result = await login(gql, "STAFF", "reviewer01", STAFF_PASSWORD)
    assert_session(result, str(staff.id), "STAFF")
    me = (await gql(ME, token=result["accessToken"]))["data"]["me"]
    assert me["kind"] == "STAFF"
    assert me["loginName"] == "Reviewer01"
    # The resident form does not find staff accounts.
    wrong_form = await login(gql, "NATURAL_PERSON", "reviewer01", STAFF_PASSWORD)
    assert without_message(wrong_form) == refused("INVALID_CREDENTIALS", 4)


async def test_resident_credentials_on_the_enterprise_form_fail_like_a_wrong_password(
    gql, hooks, container, client
):
    await resident(gql, hooks, container)
    first = await raw_login(client, "ENTERPRISE", "zhangsan", PASSWORD)
    captcha = await solved_captcha(gql, hooks)
    unknown = await raw_login(client, "ENTERPRISE", "nosuchunit01", PASSWORD, captcha)
    assert first == unknown
    result = json.loads(first)["data"]["login"]
    assert without_message(result) == refused("INVALID_CREDENTIALS", 4)
    assert await LoginSession.all().count() == 0


# --- anti-enumeration ----------------------------------------------------------------------


async def test_wrong_password_and_unknown_account_answer_byte_for_byte_alike(
    gql, hooks, container, client
):
    await resident(gql, hooks, container)

    async def attempt(identifier: str) -> bytes:
        return await raw_login(
            client, "NATURAL_PERSON", identifier, WRONG, await solved_captcha(gql, hooks)
        )

    wrong_password = await attempt("zhangsan")
    unknown_name = await attempt("lisi2026")
    unknown_phone = await attempt("13700001111")
    assert wrong_password == unknown_name == unknown_phone
    result = json.loads(wrong_password)["data"]["login"]
    assert result == {
        **refused("INVALID_CREDENTIALS", 4),
        "message": "账号或密码错误，还可尝试 4 次",
    }
    # Second failures: the resident's phone counts against the same account.
    assert await attempt("13812345678") == await attempt("LiSi2026")
    second = json.loads(await attempt("13700001111"))["data"]["login"]
    assert second["remainingAttempts"] == 3


async def test_unknown_account_runs_the_same_argon2_work(gql, hooks, container, monkeypatch):
    """The decoy hash: an unknown name makes one Argon2 verification, like a known one."""
    await resident(gql, hooks, container)
    verified: list[str] = []
    original = container.passwords.verify

    async def counting(stored: str, password: str) -> bool:
        verified.append(stored)
        return await original(stored, password)

    monkeypatch.setattr(container.passwords, "verify", counting)
    await login(gql, "NATURAL_PERSON", "zhangsan", WRONG)
    await login(
        gql, "NATURAL_PERSON", "nobody2026", WRONG, captcha=await solved_captcha(gql, hooks)
    )
    assert len(verified) == 2
    assert all(stored.startswith(OLD_PARAMETERS) for stored in verified)
    assert verified[0] != verified[1]


# --- account states --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "english"),
    [
        (
            AccountStatus.PENDING_ACTIVATION,
            "ACCOUNT_PENDING_ACTIVATION",
            "This account is not activated yet; activate it first (/activate)",
        ),
        (
            AccountStatus.LOCKED,
            "ACCOUNT_LOCKED",
            "This account is locked; file an appeal or contact the operator",
        ),
        (AccountStatus.DISABLED, "ACCOUNT_DISABLED", "This account has been disabled"),
    ],
)
async def test_account_state_is_told_only_to_the_password_holder(
    gql, hooks, container, status, code, english
):
    account_id = await resident(gql, hooks, container)
    await Account.filter(id=account_id).update(status=status)

    wrong = await login(gql, "NATURAL_PERSON", "zhangsan", WRONG)
    assert without_message(wrong) == refused("INVALID_CREDENTIALS", 4)

    right = await login(gql, "NATURAL_PERSON", "zhangsan", captcha=await solved_captcha(gql, hooks))
    assert without_message(right) == refused(code)
    in_english = await login(
        gql,
        "NATURAL_PERSON",
        "13812345678",
        captcha=await solved_captcha(gql, hooks),
        language="en",
    )
    assert in_english == {**refused(code), "message": english}

    assert await LoginSession.all().count() == 0
    events = await AuditEvent.filter(action="login.password").order_by("id")
    assert [event.outcome for event in events] == ["failure", "refused", "refused"]
    assert events[1].details == {"reason": status.value}
    assert str(events[1].actor_id) == account_id


async def test_refused_login_is_not_recorded_as_a_last_login(gql, hooks, container):
    account_id = await resident(gql, hooks, container)
    await Account.filter(id=account_id).update(status=AccountStatus.DISABLED)
    result = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert result["code"] == "ACCOUNT_DISABLED"
    assert (await Account.get(id=account_id)).last_login_at is None


@pytest.mark.parametrize("status", [AccountStatus.LOCKED, AccountStatus.DISABLED])
async def test_locking_an_account_stops_its_access_tokens(gql, hooks, container, status):
    account_id = await resident(gql, hooks, container)
    session = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert await me_error_code(gql, session["accessToken"]) is None
    await Account.filter(id=account_id).update(status=status)
    body = await gql(ME, token=session["accessToken"])
    assert body["data"] == {"me": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    assert body["errors"][0]["message"] == "请先登录"


# --- messages, audit, hashes -----------------------------------------------------------------


async def test_messages_in_english(gql, hooks, container):
    await resident(gql, hooks, container)
    wrong = await login(gql, "NATURAL_PERSON", "zhangsan", WRONG, language="en")
    assert wrong == {
        **refused("INVALID_CREDENTIALS", 4),
        "message": "Wrong account or password; 4 attempts left",
    }
    no_captcha = await login(gql, "NATURAL_PERSON", "zhangsan", language="en-US,en;q=0.9")
    assert no_captcha == {
        "__typename": "CaptchaRequiredError",
        "code": "CAPTCHA_REQUIRED",
        "message": "Enter the image captcha",
    }
    in_chinese = await login(
        gql,
        "NATURAL_PERSON",
        "zhangsan",
        WRONG,
        captcha=await solved_captcha(gql, hooks),
        language="zh-CN",
    )
    assert in_chinese["message"] == "账号或密码错误，还可尝试 3 次"


async def test_login_audit_events_and_no_password_in_them(gql, hooks, container, clock):
    account_id = await resident(gql, hooks, container)
    ok = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert ok["__typename"] == "SessionTokens"
    unknown = await login(gql, "NATURAL_PERSON", "ghost2026", WRONG)
    assert unknown["code"] == "INVALID_CREDENTIALS"
    for remaining in (4, 3, 2, 1):
        failed = await login(
            gql, "NATURAL_PERSON", "zhangsan", WRONG, captcha=await solved_captcha(gql, hooks)
        )
        assert failed["remainingAttempts"] == remaining, failed
    locked = await login(
        gql, "NATURAL_PERSON", "zhangsan", WRONG, captcha=await solved_captcha(gql, hooks)
    )
    assert locked["code"] == "ACCOUNT_TEMPORARILY_LOCKED"

    events = await AuditEvent.filter(action__startswith="login.").order_by("id")
    summary = [(event.action, event.outcome, event.subject_id) for event in events]
    assert summary == [
        ("login.password", "success", account_id),
        ("login.password", "failure", None),
        *[("login.password", "failure", account_id)] * 5,
        ("login.lockout", "lockout", account_id),
    ]
    assert all(event.client_ip == "203.0.113.7" for event in events)
    assert all(event.at == clock.now() for event in events)
    assert events[0].actor_id == uuid.UUID(account_id)
    assert events[1].actor_id is None
    assert events[2].details == {"reason": "wrong_credentials"}
    every_row = json.dumps(
        [
            [str(value) for value in (await AuditEvent.get(id=event.id)).__dict__.values()]
            for event in await AuditEvent.all()
        ],
        ensure_ascii=False,
    )
    assert PASSWORD not in every_row
    assert WRONG not in every_row
    assert "ghost2026" not in every_row


async def test_successful_login_sets_last_login_at(gql, hooks, container, clock):
    account_id = await resident(gql, hooks, container)
    assert (await Account.get(id=account_id)).last_login_at is None
    clock.advance(seconds=120)
    assert (await login(gql, "NATURAL_PERSON", "zhangsan"))["__typename"] == "SessionTokens"
    logged_in_at = clock.now()
    assert (await Account.get(id=account_id)).last_login_at == logged_in_at
    clock.advance(seconds=60)
    wrong = await login(gql, "NATURAL_PERSON", "zhangsan", WRONG)
    assert wrong["code"] == "INVALID_CREDENTIALS"
    assert (await Account.get(id=account_id)).last_login_at == logged_in_at


async def test_login_upgrades_a_hash_made_with_older_argon2_parameters(
    gql, hooks, container, settings, clock
):
    account_id = await resident(gql, hooks, container)
    before = (await PasswordCredential.get(account_id=account_id)).hash
    assert before.startswith(OLD_PARAMETERS)

    stronger = settings.model_copy(
        update={"argon2_time_cost": 3, "argon2_memory_kib": 8192, "argon2_parallelism": 1}
    )
    upgraded = Container(stronger, clock=clock, test_hooks=hooks)
    try:
        async with served(upgraded) as new_gql:
            # A wrong password changes nothing.
            wrong = await login(new_gql, "NATURAL_PERSON", "zhangsan", WRONG)
            assert wrong["code"] == "INVALID_CREDENTIALS"
            assert (await PasswordCredential.get(account_id=account_id)).hash == before

            captcha = await solved_captcha(new_gql, hooks)
            first = await login(new_gql, "NATURAL_PERSON", "zhangsan", captcha=captcha)
            assert_session(first, account_id, "NATURAL_PERSON")
            after = (await PasswordCredential.get(account_id=account_id)).hash
            assert after.startswith(NEW_PARAMETERS), after
            assert after != before
            assert not upgraded.passwords.needs_rehash(after)

            again = await login(
                new_gql,
                "NATURAL_PERSON",
                "13812345678",
                captcha=await solved_captcha(new_gql, hooks),
            )
            assert_session(again, account_id, "NATURAL_PERSON")
            assert (await PasswordCredential.get(account_id=account_id)).hash == after
            assert await PasswordCredential.filter(account_id=account_id).count() == 1
    finally:
        await upgraded.aclose()
    assert (await Account.get(id=account_id)).last_login_at == clock.now()
