"""Concurrent registrations with a shared value (SPEC §2.1, §2.2, §11): exactly one wins,
the others get the same REGISTRATION_CONFLICT a sequential duplicate gets, and exactly one
set of rows is written.

Each scenario runs twice: as it comes (the conflict check may already see the winner), and
with every request held after its conflict check until all have passed it, so that only the
database's unique indexes can decide.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from stdnum.iso7064 import mod_11_2

from identity_graph.accounts.models import Account, Enterprise, NaturalPerson, PasswordCredential
from identity_graph.challenges.models import SmsChallenge, SmsCodeState
from tests.graphql.accounts_helpers import (
    REGISTER_ENTERPRISE,
    REGISTER_PERSON,
    enterprise_input,
    person_input,
    sms_code,
)

N = 5
PHONES = [f"1371234560{i}" for i in range(N)]


@pytest.fixture
def settings(settings):
    """The shared test settings with cheap Argon2: hashing cost is not under test here."""
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


def resident_id(body17: str) -> str:
    return body17 + mod_11_2.calc_check_digit(body17)


# Distinct valid numbers: men born 1990-03-10 … 1990-03-14 in Beijing Haidian.
ID_NUMBERS = [resident_id(f"1101081990031{i}123") for i in range(N)]


def hold_after_conflict_check(monkeypatch: pytest.MonkeyPatch, container: Any) -> list[Any]:
    """Make every registration wait, after its conflict check, until all N have checked.

    Returns what each check found; all empty means the database alone refused the losers.
    """
    service = container.registration
    original = service._conflicts
    barrier = asyncio.Barrier(N)
    found: list[Any] = []

    async def checked_then_wait(*args: Any, **kwargs: Any) -> Any:
        taken = await original(*args, **kwargs)
        found.append(taken)
        async with asyncio.timeout(10):
            await barrier.wait()
        return taken

    monkeypatch.setattr(service, "_conflicts", checked_then_wait)
    return found


def assert_race_was_real(held: bool, found: list[Any]) -> None:
    if held:
        assert len(found) == N and not any(found), found


async def codes_for(gql: Any, hooks: Any, container: Any) -> list[str]:
    return [await sms_code(gql, hooks, container, phone) for phone in PHONES]


async def send_all(gql: Any, document: str, forms: list[dict[str, Any]], key: str) -> list[dict]:
    bodies = await asyncio.gather(*(gql(document, {"input": form}) for form in forms))
    for body in bodies:
        assert "errors" not in body, body
    return [dict(body["data"][key]) for body in bodies]


def one_winner(results: list[dict[str, Any]]) -> int:
    winners = [i for i, result in enumerate(results) if result["__typename"] == "Registered"]
    assert len(winners) == 1, results
    losers = [result for i, result in enumerate(results) if i != winners[0]]
    for loser in losers:
        assert loser["__typename"] == "OperationRefused", loser
        assert loser["code"] == "REGISTRATION_CONFLICT"
    assert all(loser == losers[0] for loser in losers)  # one answer, whoever lost
    return winners[0]


async def assert_codes_spent() -> None:
    challenges = await SmsChallenge.all()
    assert len(challenges) == N
    assert {challenge.state for challenge in challenges} == {SmsCodeState.USED}


@pytest.mark.parametrize("held", [False, True], ids=["as-it-comes", "held-after-check"])
async def test_same_login_name(gql, hooks, container, monkeypatch, held):
    codes = await codes_for(gql, hooks, container)
    found = hold_after_conflict_check(monkeypatch, container) if held else []
    forms = [
        person_input("zhangsan", PHONES[i], codes[i], idNumber=ID_NUMBERS[i]) for i in range(N)
    ]
    results = await send_all(gql, REGISTER_PERSON, forms, "registerNaturalPerson")
    winner = one_winner(results)
    assert_race_was_real(held, found)
    assert results[winner]["account"]["phone"] == f"137****560{winner}"
    assert await Account.all().count() == 1
    assert await NaturalPerson.all().count() == 1
    assert await PasswordCredential.all().count() == 1
    account = await Account.get()
    assert account.login_name == "zhangsan"
    assert str(account.id) == results[winner]["account"]["id"]
    await assert_codes_spent()


@pytest.mark.parametrize("held", [False, True], ids=["as-it-comes", "held-after-check"])
async def test_same_login_name_in_other_case(gql, hooks, container, monkeypatch, held):
    codes = await codes_for(gql, hooks, container)
    found = hold_after_conflict_check(monkeypatch, container) if held else []
    names = ["zhangsan", "ZhangSan", "ZHANGSAN", "zhangSAN", "ＺｈａｎｇＳａｎ"]
    forms = [person_input(names[i], PHONES[i], codes[i], idNumber=ID_NUMBERS[i]) for i in range(N)]
    results = await send_all(gql, REGISTER_PERSON, forms, "registerNaturalPerson")
    one_winner(results)
    assert_race_was_real(held, found)
    assert await Account.all().count() == 1
    assert await NaturalPerson.all().count() == 1


@pytest.mark.parametrize("held", [False, True], ids=["as-it-comes", "held-after-check"])
async def test_same_id_number(gql, hooks, container, monkeypatch, held):
    codes = await codes_for(gql, hooks, container)
    found = hold_after_conflict_check(monkeypatch, container) if held else []
    # The same number typed five ways: normalisation happens before uniqueness.
    typed = [
        ID_NUMBERS[0],
        f" {ID_NUMBERS[0]} ",
        "".join(chr(ord(c) + 0xFEE0) for c in ID_NUMBERS[0]),
        f"{ID_NUMBERS[0][:6]} {ID_NUMBERS[0][6:14]} {ID_NUMBERS[0][14:]}",
        ID_NUMBERS[0],
    ]
    forms = [
        person_input(f"person{i}abc", PHONES[i], codes[i], idNumber=typed[i]) for i in range(N)
    ]
    results = await send_all(gql, REGISTER_PERSON, forms, "registerNaturalPerson")
    winner = one_winner(results)
    assert_race_was_real(held, found)
    # Rows of the losers' transactions were rolled back, account included.
    assert await Account.all().count() == 1
    assert await NaturalPerson.all().count() == 1
    assert await PasswordCredential.all().count() == 1
    account = await Account.get()
    assert account.login_name == f"person{winner}abc"
    await assert_codes_spent()


@pytest.mark.parametrize("held", [False, True], ids=["as-it-comes", "held-after-check"])
async def test_same_credit_code(gql, hooks, container, monkeypatch, held):
    codes = await codes_for(gql, hooks, container)
    found = hold_after_conflict_check(monkeypatch, container) if held else []
    forms = [enterprise_input(f"AcmeTrading0{i}", PHONES[i], codes[i]) for i in range(N)]
    results = await send_all(gql, REGISTER_ENTERPRISE, forms, "registerEnterprise")
    winner = one_winner(results)
    assert_race_was_real(held, found)
    assert await Account.all().count() == 1
    assert await Enterprise.all().count() == 1
    unit = await Enterprise.get().prefetch_related("account")
    assert unit.account.login_name == f"AcmeTrading0{winner}"
    await assert_codes_spent()


async def test_distinct_registrations_all_succeed_concurrently(gql, hooks, container):
    codes = await codes_for(gql, hooks, container)
    forms = [
        person_input(f"person{i}abc", PHONES[i], codes[i], idNumber=ID_NUMBERS[i]) for i in range(N)
    ]
    results = await send_all(gql, REGISTER_PERSON, forms, "registerNaturalPerson")
    assert [result["__typename"] for result in results] == ["Registered"] * N
    assert await Account.all().count() == N
    assert await NaturalPerson.all().count() == N
