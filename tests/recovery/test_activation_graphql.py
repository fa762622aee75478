"""``activateEnterprise`` over GraphQL on both databases: the done-when path of issue 12 (an
imported unit whose name collided logs in as WP_…, activates, its bcrypt hash is Argon2id
after the first login), every refusal with its code, expiry, and two racing completions."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account, Enterprise, PasswordCredential
from identity_graph.container import Container, TestHooks
from identity_graph.core.clock import FixedClock
from tests.graphql.accounts_helpers import login, register_enterprise
from tests.graphql.helpers import solved_captcha
from tests.recovery.activation_helpers import (
    NEW_PASSWORD,
    activate,
    confirm,
    import_unit,
    sent_code,
)
from tests.recovery.legacy_fixtures import OLD_PASSWORD


async def test_collided_unit_logs_in_as_wp_activates_and_is_argon2id(
    container: Container, gql: Any, hooks: TestHooks, tmp_path: Path
) -> None:
    assert (await register_enterprise(gql, hooks, container))["__typename"] == "Registered"
    report = await import_unit(container, tmp_path)
    assert report.rows[0].login_name == "WP_AcmeTrading01"
    account = await Account.get(login_name="WP_AcmeTrading01")
    assert (await PasswordCredential.get(account_id=account.id)).hash.startswith("$2b$")

    refused = await login(gql, "ENTERPRISE", "WP_AcmeTrading01", OLD_PASSWORD, language="en")
    assert refused["__typename"] == "LoginRefusedError"
    assert refused["code"] == "ACCOUNT_PENDING_ACTIVATION"
    assert "/activate" in refused["message"]
    # The first login that proved the password re-hashed it, pending or not.
    assert (await PasswordCredential.get(account_id=account.id)).hash.startswith("$argon2id$")

    wrong = await confirm(gql, hooks, language="en", legalRepresentativeName="钱七")
    assert wrong["code"] == "ACTIVATION_MISMATCH"
    assert "No unit awaiting activation" in wrong["message"]
    step = await confirm(gql, hooks)
    assert step["__typename"] == "ActivationStep", step
    assert (step["step"], step["maskedPhone"]) == ("CODE_SENT", "136****0001")
    assert step["loginName"] == "WP_AcmeTrading01"
    flow = step["flowId"]

    bad = await activate(gql, {"flowId": flow, "smsCode": "000000"})
    assert bad["errors"][0] == {
        "field": "smsCode",
        "code": "SMS_CODE_WRONG",
        "message": bad["errors"][0]["message"],
    }
    proved = await activate(gql, {"flowId": flow, "smsCode": await sent_code(container)})
    assert proved["step"] == "PHONE_PROVED"

    weak = await activate(gql, {"flowId": flow, "loginName": "WP_AcmeTrading01", "password": "abc"})
    assert weak["__typename"] == "ValidationErrors"
    assert weak["errors"][0]["field"] == "password"
    taken = await activate(
        gql, {"flowId": flow, "loginName": "AcmeTrading01", "password": NEW_PASSWORD}
    )
    assert taken["errors"][0]["code"] == "LOGIN_NAME_TAKEN"
    done = await activate(
        gql, {"flowId": flow, "loginName": "WP_AcmeTrading01", "password": NEW_PASSWORD}
    )
    assert done["step"] == "ACTIVATED", done
    assert (await Account.get(id=account.id)).status == AccountStatus.ACTIVE
    unit = await Enterprise.get(id=account.id)
    assert (str(unit.legal_rep_id_valid_from), str(unit.legal_rep_id_valid_until)) == (
        "2016-03-01",
        "2036-03-01",
    )

    again = await activate(
        gql, {"flowId": flow, "loginName": "WP_AcmeTrading01", "password": NEW_PASSWORD}
    )
    assert again["errors"][0]["code"] == "ACTIVATION_FLOW_UNKNOWN"
    captcha = await solved_captcha(gql, hooks)
    old = await login(gql, "ENTERPRISE", "WP_AcmeTrading01", OLD_PASSWORD, captcha=captcha)
    assert old["code"] == "INVALID_CREDENTIALS"
    captcha = await solved_captcha(gql, hooks)
    ok = await login(gql, "ENTERPRISE", "WP_AcmeTrading01", NEW_PASSWORD, captcha=captcha)
    assert ok["__typename"] == "SessionTokens", ok
    # Activated now: step 1 for the same unit says so (the caller named it correctly).
    assert (await confirm(gql, hooks))["code"] == "ACTIVATION_NOT_NEEDED"


async def test_step_one_refusals_name_their_fields(
    container: Container, gql: Any, hooks: TestHooks, tmp_path: Path
) -> None:
    await import_unit(container, tmp_path)
    empty = await activate(gql, {})
    fields = {(e["field"], e["code"]) for e in empty["errors"]}
    assert {
        ("legalPersonType", "REQUIRED"),
        ("unitName", "REQUIRED"),
        ("uscc", "USCC_LENGTH"),
        ("idNumber", "REQUIRED"),
        ("idValidity", "REQUIRED"),
        ("idValidFrom", "REQUIRED"),
    } <= fields, fields
    period = await confirm(gql, hooks, language="en", idValidUntil="2031-03-01")
    assert period["errors"][0]["field"] == "idValidUntil"
    assert period["errors"][0]["code"] == "ID_VALIDITY_PERIOD"
    assert "validity period" in period["errors"][0]["message"]
    captcha = await confirm(gql, hooks, captchaAnswer="WRONG")
    assert captcha["errors"][0] == {
        "field": "captchaAnswer",
        "code": "CAPTCHA_WRONG",
        "message": captcha["errors"][0]["message"],
    }
    # Every mismatch answers alike: unknown code, other unit name, other ID number.
    for override in (
        {"uscc": "91440300MA5F00001A"},
        {"unitName": "别的公司"},
        {"idNumber": "110108199003071238"},
        {"legalPersonType": "SOCIAL_ORGANISATION"},
    ):
        assert (await confirm(gql, hooks, **override))["code"] == "ACTIVATION_MISMATCH"
    long_term = await confirm(gql, hooks, idValidity="LONG_TERM", idNumber="310115700101001")
    assert long_term["step"] == "CODE_SENT", long_term  # 15-digit number, upgraded
    unknown = await activate(gql, {"flowId": "not-a-flow", "smsCode": "123456"})
    assert (unknown["errors"][0]["field"], unknown["errors"][0]["code"]) == (
        "flowId",
        "ACTIVATION_FLOW_UNKNOWN",
    )


async def test_flow_expires_and_resend_needs_a_captcha(
    container: Container, gql: Any, hooks: TestHooks, clock: FixedClock, tmp_path: Path
) -> None:
    await import_unit(container, tmp_path)
    flow = (await confirm(gql, hooks))["flowId"]
    too_soon = await activate(gql, {"flowId": flow, "resendCode": True})
    assert too_soon["errors"][0]["code"] == "CAPTCHA_REQUIRED"
    clock.advance(seconds=61)
    captcha_id, answer = await solved_captcha(gql, hooks)
    resent = await activate(
        gql, {"flowId": flow, "resendCode": True, "captchaId": captcha_id, "captchaAnswer": answer}
    )
    assert resent["resendAfterSeconds"] == 60
    clock.advance(timedelta(minutes=16))
    expired = await activate(gql, {"flowId": flow, "smsCode": await sent_code(container)})
    assert expired["code"] == "FLOW_EXPIRED"


async def test_two_concurrent_completions_one_wins(
    container: Container, gql: Any, hooks: TestHooks, tmp_path: Path
) -> None:
    await import_unit(container, tmp_path, name="RaceUnit001")
    flow = (await confirm(gql, hooks))["flowId"]
    await activate(gql, {"flowId": flow, "smsCode": await sent_code(container)})
    results = await asyncio.gather(
        activate(gql, {"flowId": flow, "loginName": "RaceUnit001", "password": NEW_PASSWORD}),
        activate(gql, {"flowId": flow, "loginName": "RaceUnitTwo", "password": NEW_PASSWORD}),
    )
    winners = [r for r in results if r["__typename"] == "ActivationStep"]
    assert len(winners) == 1, results
    loser = next(r for r in results if r["__typename"] != "ActivationStep")
    assert loser["code"] in {"INVALID_STATE", "ACTIVATION_FLOW_UNKNOWN"}
    account = await Account.get(login_name=winners[0]["loginName"])
    assert account.status == AccountStatus.ACTIVE
    assert await Account.all().count() == 1
