"""Anti-enumeration (SPEC §5): until the code is proved, an existing account and a missing
one, a right phone and a wrong one, answer alike — in content and in time."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import register_enterprise, register_person
from tests.graphql.helpers import solved_captcha
from tests.recovery.reset_helpers import complete, field_codes, start_person

PHONE = "13812345678"
VOLATILE = {"flowId", "expiresAt"}


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    # Room for the timing rounds under the send limits (one a minute is kept).
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        sms_daily_cap_per_phone=100,
        sms_hourly_cap_per_ip=500,
    )


def _stable(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key not in VOLATILE}


async def test_answers_do_not_tell_who_exists(gql, hooks, container, clock):
    await register_person(gql, hooks, container)
    answers = []
    for login_name, destination in [
        ("zhangsan", PHONE),  # the account and its reserved phone
        ("nobody2026", PHONE),  # no such account
        ("zhangsan", "13812345679"),  # the account, another phone
    ]:
        clock.advance(seconds=61)
        answers.append(await start_person(gql, hooks, login_name, destination, language="en"))
    assert answers[0]["__typename"] == "PasswordResetStarted"
    assert _stable(answers[0]) == _stable(answers[1])
    assert {
        k: v for k, v in _stable(answers[2]).items() if k not in {"maskedDestination", "message"}
    } == {k: v for k, v in _stable(answers[0]).items() if k not in {"maskedDestination", "message"}}
    assert not await container.notifier.list_messages(destination="13812345679")
    wrong = [await complete(gql, answer["flowId"], "123456") for answer in answers]
    assert all(field_codes(result) == [("code", "RESET_CODE_WRONG")] for result in wrong)


START = "mutation($i: StartPasswordResetInput!) { startPasswordReset(input: $i) { __typename } }"
PERSON = {"kind": "NATURAL_PERSON", "destination": PHONE}
UNIT = {"kind": "ENTERPRISE", "legalRepresentativeName": "李四", "idNumber": "440304198510152347"}


@pytest.mark.parametrize(
    ("register", "fields", "match", "nobody"),
    [
        (register_person, PERSON, "zhangsan", "nobody2026"),
        (register_enterprise, UNIT, "AcmeTrading01", "NoSuchUnit2026"),
    ],
    ids=["resident", "unit"],
)
async def test_timings_do_not_tell_who_exists(
    gql, hooks, container, clock, register, fields, match, nobody
):
    """Median time of a start for a matching account against one for nobody, rounds
    interleaved; the bound is tolerant (a loaded shared host), the test still fails if one
    path did visibly more work, e.g. a password hash or an outbox write."""
    await register(gql, hooks, container)
    timings: dict[str, list[float]] = {match: [], nobody: []}
    for _ in range(12):
        for login_name in (match, nobody):
            clock.advance(seconds=61)
            captcha_id, answer = await solved_captcha(gql, hooks)
            variables = {
                **fields,
                "loginName": login_name,
                "captchaId": captcha_id,
                "captchaAnswer": answer,
            }
            began = time.perf_counter()
            body = await gql(START, {"i": variables})
            timings[login_name].append(time.perf_counter() - began)
            assert body["data"]["startPasswordReset"]["__typename"] == "PasswordResetStarted"
    found, missing = (statistics.median(timings[key]) for key in (match, nobody))
    assert abs(found - missing) < max(0.015, 0.5 * max(found, missing)), (found, missing)
