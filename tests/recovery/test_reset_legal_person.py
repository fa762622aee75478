"""A unit resets its password (seed 002 §3.2.1, seed 004 §三): account name or credit code,
legal representative name and ID number; the reserved phone is shown masked; the unit name
and credit code must match; the code goes to the reserved phone."""

from __future__ import annotations

import re

from tests.graphql.accounts_helpers import USCC, login, register_enterprise
from tests.graphql.helpers import solved_captcha
from tests.recovery.reset_helpers import (
    NEW_PASSWORD,
    UNIT_NAME,
    complete,
    field_codes,
    received_code,
    start_unit,
)

PHONE = "13912345678"
MASKED = re.compile(r"1[3-9]\d\*{4}\d{4}")


async def test_unit_resets_with_its_masked_phone(gql, hooks, container, clock):
    registered = await register_enterprise(gql, hooks, container)
    assert registered["__typename"] == "Registered", registered

    started = await start_unit(gql, hooks, identifier=USCC)
    assert started["__typename"] == "PasswordResetStarted", started
    assert started["maskedDestination"] == "139****5678"
    assert started["channel"] == "SMS"
    code = await received_code(container, PHONE)

    wrong_unit = await complete(
        gql, started["flowId"], code, unitName="另一家公司", uscc=USCC, language="en"
    )
    assert field_codes(wrong_unit) == [("unitName", "UNIT_MISMATCH")]
    assert wrong_unit["errors"][0]["message"] == (
        "The unit name or credit code does not match the account"
    )
    wrong_code = await complete(
        gql, started["flowId"], code, unitName=UNIT_NAME, uscc="91110108MA01ABCDEN"
    )
    assert field_codes(wrong_code) == [("uscc", "UNIT_MISMATCH")]
    missing = await complete(gql, started["flowId"], code)
    assert field_codes(missing) == [("unitName", "REQUIRED"), ("uscc", "REQUIRED")]

    done = await complete(gql, started["flowId"], code, unitName=UNIT_NAME, uscc=USCC.lower())
    assert done["__typename"] == "PasswordResetCompleted", done
    fresh = await login(
        gql, "ENTERPRISE", "AcmeTrading01", NEW_PASSWORD, captcha=await solved_captcha(gql, hooks)
    )
    assert fresh["__typename"] == "SessionTokens", fresh


async def test_mismatch_shows_a_stable_decoy_phone(gql, hooks, container, clock):
    await register_enterprise(gql, hooks, container)
    before = len(await container.notifier.list_messages(destination=PHONE, limit=50))

    wrong_id = await start_unit(gql, hooks, id_number="110108199003071238")
    assert wrong_id["__typename"] == "PasswordResetStarted", wrong_id
    assert MASKED.fullmatch(wrong_id["maskedDestination"]), wrong_id
    assert len(await container.notifier.list_messages(destination=PHONE, limit=50)) == before
    clock.advance(seconds=61)
    again = await start_unit(gql, hooks, id_number="110108199003071238")
    assert again["maskedDestination"] == wrong_id["maskedDestination"]

    nobody = await start_unit(gql, hooks, identifier="NoSuchUnit2026")
    assert nobody["__typename"] == "PasswordResetStarted", nobody
    assert MASKED.fullmatch(nobody["maskedDestination"])
    volatile = {"flowId", "expiresAt", "maskedDestination", "message"}
    assert {k: v for k, v in nobody.items() if k not in volatile} == {
        k: v for k, v in wrong_id.items() if k not in volatile
    }
    assert nobody["message"].replace(nobody["maskedDestination"], "*") == wrong_id[
        "message"
    ].replace(wrong_id["maskedDestination"], "*")

    guessed = await complete(
        gql, nobody["flowId"], "123456", unitName=UNIT_NAME, uscc=USCC, language="en"
    )
    assert field_codes(guessed) == [("code", "RESET_CODE_WRONG")]


async def test_unit_fields_are_required(gql, hooks, container):
    blank = await start_unit(gql, hooks, name="", id_number="")
    assert field_codes(blank) == [
        ("legalRepresentativeName", "REQUIRED"),
        ("idNumber", "REQUIRED"),
    ]
