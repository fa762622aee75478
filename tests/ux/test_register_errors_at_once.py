"""The registration pages report every field error in one answer (issue 14): an empty
submit flags every required field, not two of them and the rest on the next try; what the
page cannot type (a choice, a date) comes with the service's errors on the rest."""

from __future__ import annotations

import re

import pytest

from identity_graph.accounts.models import Account
from tests.web.test_login_page import hidden
from tests.web.test_register_page import action, code_from_outbox, details, send_code


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


def flagged(html: str) -> set[str]:
    return set(re.findall(r'<p class="field-error" id="([^"]+)-error">', html))


def bare(page: str, kind: str = "natural_person") -> dict[str, str]:
    """Step 2 submitted with nothing filled in (the hidden fields only)."""
    return {
        "csrf_token": hidden(page, "csrf_token"),
        "lang": hidden(page, "lang"),
        "step": "details",
        "credentials.phone": hidden(page, "credentials.phone")
        if 'type="hidden" name="credentials.phone"' in page
        else "",
        "credentials.pledgeVersion": hidden(page, "credentials.pledgeVersion"),
    }


async def step_two(client, hooks, container, **query):
    sent = await send_code(client, hooks, **query)
    assert sent.status_code == 200, sent.text
    return sent.text, action(sent.text), await code_from_outbox(container)


async def test_an_empty_resident_form_flags_every_required_field_at_once(client, hooks, container):
    page, target, _ = await step_two(client, hooks, container)

    refused = await client.post(target, data=bare(page))

    assert refused.status_code == 400
    assert flagged(refused.text) >= {
        "credentials.loginName",
        "credentials.password",
        "credentials.smsCode",
        "credentials.pledgeAccepted",
        "realName",
        "regionType",
        "idType",
        "idNumber",
    }
    assert await Account.all().count() == 0


async def test_an_untyped_choice_does_not_hide_the_other_errors(client, hooks, container):
    page, target, code = await step_two(client, hooks, container)

    refused = await client.post(
        target,
        data=details(
            page,
            code,
            idType="",
            idValidFrom="2015-13-45",
            realName="王五1",
            **{"credentials.loginName": "a"},
        ),
    )

    errors = flagged(refused.text)
    assert {"idType", "idValidFrom", "realName", "credentials.loginName"} <= errors
    # A number cannot be read without its type: no guess at what is wrong with it.
    assert "idNumber" not in errors


async def test_a_password_mismatch_comes_with_the_other_errors_in_english(client, hooks, container):
    page, target, code = await step_two(client, hooks, container, lang="en")

    refused = await client.post(
        target, data=details(page, code, passwordConfirm="Other#2026x", idNumber="12345")
    )

    errors = flagged(refused.text)
    assert {"passwordConfirm", "idNumber"} <= errors
    assert "两次" not in refused.text


async def test_an_empty_unit_form_flags_every_required_field_at_once(client, hooks, container):
    page, target, _ = await step_two(client, hooks, container, kind="enterprise")
    form = {**bare(page), "unit.regionType": "", "unit.legalPersonType": ""}

    refused = await client.post(target, data=form)

    assert refused.status_code == 400
    assert flagged(refused.text) >= {
        "credentials.loginName",
        "credentials.password",
        "credentials.smsCode",
        "credentials.pledgeAccepted",
        "unit.name",
        "unit.regionType",
        "unit.legalPersonType",
        "unit.address",
        "legalRepresentative.name",
        "legalRepresentative.idType",
        "legalRepresentative.idNumber",
    }
    assert await Account.all().count() == 0


async def test_an_empty_first_step_flags_the_phone_and_the_captcha_at_once(client):
    page = await client.get("/register")
    form = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "lang": hidden(page.text, "lang"),
        "step": "phone",
        "captchaId": hidden(page.text, "captchaId"),
    }

    refused = await client.post("/register", data=form)

    assert refused.status_code == 400
    assert flagged(refused.text) == {"phone", "captchaAnswer"}


async def test_request_sms_code_reports_both_fields_over_graphql(gql):
    body = await gql(
        """mutation { requestSmsCode(input: {purpose: REGISTER, phone: "12", captchaId: "",
        captchaAnswer: ""}) { __typename ... on ValidationErrors { errors { field code } } } }"""
    )

    answer = body["data"]["requestSmsCode"]
    fields = {(e["field"], e["code"]) for e in answer["errors"]}
    assert {field for field, _ in fields} == {"phone", "captchaAnswer"}
    assert ("captchaAnswer", "CAPTCHA_REQUIRED") in fields


async def test_no_error_is_judged_against_a_stand_in_choice(client, hooks, container):
    page, target, code = await step_two(client, hooks, container)

    # No region chosen, a passport: no "passport is not a mainland document" guess.
    passport = details(page, code, regionType="", idType="foreign_passport", idNumber="E12345678")
    refused = await client.post(target, data=passport)

    assert flagged(refused.text) == {"regionType"}


async def test_no_unit_code_is_demanded_for_a_stand_in_region(client, hooks, container):
    page, target, _ = await step_two(client, hooks, container, kind="enterprise")
    form = {**bare(page), "unit.regionType": "", "unit.unitIdentifier": "hk-68012345"}

    refused = await client.post(target, data=form)

    errors = flagged(refused.text)
    assert "unit.regionType" in errors
    assert not {"unit.uscc", "unit.unitIdentifier"} & errors
