"""One conformance suite for every ``RegistryCheck`` (ARCHITECTURE §3, adapters behind a Protocol).

Run against the ``SandboxRegistry`` directly, and against ``HttpRegistry`` speaking real HTTP
to ``registry_server`` wrapping a sandbox on a local port: both must answer every case the
same way, so the verification service cannot tell which one it was given. Claims are built
from the packaged registry file, so the cases follow the data.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import pytest_asyncio

from identity_graph.ids.types import IdType
from identity_graph.verification.providers.base import (
    PersonClaim,
    RegistryAnswer,
    RegistryCheck,
    RegistryOutcome,
    UnitClaim,
)
from identity_graph.verification.providers.http import HttpRegistry
from identity_graph.verification.providers.registry_file import (
    RegistryPerson,
    RegistryUnit,
    load_registry,
)
from identity_graph.verification.providers.registry_server import create_registry_app
from identity_graph.verification.providers.sandbox import SandboxRegistry
from tests.web.live import bound_socket, serving, url_of

SECRET = b"registry-shared-secret"
REGISTRY = load_registry(None)
AUTOMATIC = sorted(set(IdType) - {IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, IdType.FOREIGN_PASSPORT})


@dataclass(frozen=True)
class Subject:
    check: RegistryCheck
    # The sandbox answering, directly or behind the server: where outages are switched on.
    sandbox: SandboxRegistry


@pytest_asyncio.fixture(scope="module")
async def served() -> AsyncIterator[tuple[SandboxRegistry, str]]:
    sandbox = SandboxRegistry(REGISTRY, rng=random.Random(1))
    sock = bound_socket()
    async with serving([(create_registry_app(sandbox, SECRET), sock)]):
        yield sandbox, url_of(sock)


@pytest_asyncio.fixture(params=["sandbox", "http"])
async def subject(
    request: pytest.FixtureRequest, served: tuple[SandboxRegistry, str]
) -> AsyncIterator[Subject]:
    if request.param == "sandbox":
        sandbox = SandboxRegistry(REGISTRY, rng=random.Random(0))
        yield Subject(sandbox, sandbox)
        return
    sandbox, url = served
    check = HttpRegistry(url, SECRET, attempts=2, backoff_seconds=0)
    try:
        yield Subject(check, sandbox)
    finally:
        sandbox.outage_rate = 0.0
        await check.aclose()


def person(id_type: IdType = IdType.RESIDENT_ID_CARD, *, long_term: bool = False) -> RegistryPerson:
    return next(p for p in REGISTRY.persons if p.id_type is id_type and p.long_term == long_term)


def person_claim(listed: RegistryPerson, **changes: object) -> PersonClaim:
    claim = PersonClaim(
        real_name=listed.real_name,
        id_type=listed.id_type,
        id_number=listed.id_number,
        valid_from=listed.valid_from,
        valid_until=listed.valid_until,
        long_term=listed.long_term,
    )
    return dataclasses.replace(claim, **changes)


def unit(region: str = "110000") -> RegistryUnit:
    return next(u for u in REGISTRY.units if u.uscc[2:].startswith(region))


def unit_claim(listed: RegistryUnit, **changes: object) -> UnitClaim:
    claim = UnitClaim(
        code=listed.uscc,
        name=listed.name,
        legal_rep_name=listed.legal_rep_name,
        legal_rep_id_type=listed.legal_rep_id_type,
        legal_rep_id_number=listed.legal_rep_id_number,
        founding_date=listed.founding_date,
    )
    return dataclasses.replace(claim, **changes)


def assert_answered(answer: RegistryAnswer, outcome: RegistryOutcome, *fields: str) -> None:
    assert (answer.outcome, answer.mismatched) == (outcome, fields)
    assert answer.reference is not None
    assert answer.reference.startswith("sbx-")


@pytest.mark.parametrize("id_type", AUTOMATIC)
async def test_person_match_for_each_id_type(subject: Subject, id_type: IdType) -> None:
    answer = await subject.check.check_person(person_claim(person(id_type)))

    assert_answered(answer, RegistryOutcome.MATCH)


async def test_long_term_person_matches(subject: Subject) -> None:
    answer = await subject.check.check_person(person_claim(person(long_term=True)))

    assert_answered(answer, RegistryOutcome.MATCH)


async def test_validity_is_compared_only_where_claimed(subject: Subject) -> None:
    claim = person_claim(person(), valid_from=None, valid_until=None, long_term=False)

    assert_answered(await subject.check.check_person(claim), RegistryOutcome.MATCH)


async def test_name_is_compared_after_nfkc_and_trim(subject: Subject) -> None:
    listed = person()
    claim = person_claim(
        listed, real_name=f" {listed.real_name}\u3000", id_number=" " + listed.id_number
    )

    assert_answered(await subject.check.check_person(claim), RegistryOutcome.MATCH)


async def test_name_mismatch(subject: Subject) -> None:
    claim = person_claim(person(), real_name="张三丰")

    answer = await subject.check.check_person(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "realName")


async def test_valid_from_mismatch(subject: Subject) -> None:
    listed = person()
    claim = person_claim(listed, valid_from=listed.valid_from + timedelta(days=1))

    answer = await subject.check.check_person(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "idValidFrom")


async def test_valid_until_mismatch(subject: Subject) -> None:
    listed = person()
    assert listed.valid_until is not None
    claim = person_claim(listed, valid_until=listed.valid_until - timedelta(days=1))

    answer = await subject.check.check_person(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "idValidUntil")


async def test_long_term_claimed_for_a_dated_document(subject: Subject) -> None:
    claim = person_claim(person(), valid_until=None, long_term=True)

    answer = await subject.check.check_person(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "idLongTerm")


async def test_end_date_claimed_for_a_long_term_document(subject: Subject) -> None:
    claim = person_claim(person(long_term=True), valid_until=date(2040, 1, 1), long_term=False)

    answer = await subject.check.check_person(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "idLongTerm")


async def test_several_mismatches_are_all_named(subject: Subject) -> None:
    listed = person()
    claim = person_claim(listed, real_name="张三丰", valid_from=listed.valid_from - timedelta(1))

    answer = await subject.check.check_person(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "realName", "idValidFrom")


@pytest.mark.parametrize(
    "changes",
    [
        {"id_number": "110105198001010016"},
        {"id_type": IdType.HMT_RESIDENCE_PERMIT},
    ],
    ids=["unknown-number", "listed-number-other-type"],
)
async def test_person_not_found(subject: Subject, changes: dict[str, object]) -> None:
    answer = await subject.check.check_person(person_claim(person(), **changes))

    assert_answered(answer, RegistryOutcome.NOT_FOUND)


@pytest.mark.parametrize("listed", REGISTRY.units, ids=lambda u: u.uscc)
async def test_unit_match(subject: Subject, listed: RegistryUnit) -> None:
    answer = await subject.check.check_unit(unit_claim(listed))

    assert_answered(answer, RegistryOutcome.MATCH)


async def test_unit_without_founding_date_matches(subject: Subject) -> None:
    answer = await subject.check.check_unit(unit_claim(unit(), founding_date=None))

    assert_answered(answer, RegistryOutcome.MATCH)


async def test_unit_name_mismatch(subject: Subject) -> None:
    claim = unit_claim(unit(), name="北京星桥科技有限公司")

    answer = await subject.check.check_unit(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "unitName")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_rep_name": "张三丰"}, "legalRepresentativeName"),
        ({"legal_rep_id_number": "320102199007210048"}, "legalRepresentativeIdNumber"),
        ({"legal_rep_id_type": IdType.HMT_RESIDENCE_PERMIT}, "legalRepresentativeIdNumber"),
    ],
    ids=["name", "id-number", "id-type"],
)
async def test_legal_rep_mismatch(subject: Subject, changes: dict[str, object], field: str) -> None:
    answer = await subject.check.check_unit(unit_claim(unit(), **changes))

    assert_answered(answer, RegistryOutcome.MISMATCH, field)


async def test_founding_date_mismatch(subject: Subject) -> None:
    jiangsu = unit("32")
    claim = unit_claim(jiangsu, founding_date=jiangsu.founding_date + timedelta(days=30))

    answer = await subject.check.check_unit(claim)

    assert_answered(answer, RegistryOutcome.MISMATCH, "foundingDate")


async def test_linked_proxy_matches(subject: Subject) -> None:
    listed = unit()
    [proxy] = listed.proxies

    answer = await subject.check.check_unit(unit_claim(listed, proxy_id_number=proxy))

    assert_answered(answer, RegistryOutcome.MATCH)


async def test_legal_rep_verifying_as_proxy_matches(subject: Subject) -> None:
    listed = unit()
    claim = unit_claim(listed, proxy_id_number=listed.legal_rep_id_number)

    assert_answered(await subject.check.check_unit(claim), RegistryOutcome.MATCH)


async def test_unlinked_proxy_mismatch(subject: Subject) -> None:
    listed = unit()
    stranger = person(IdType.TRAVEL_PERMIT_TAIWAN)
    assert not listed.is_linked(stranger.id_number)

    answer = await subject.check.check_unit(unit_claim(listed, proxy_id_number=stranger.id_number))

    assert_answered(answer, RegistryOutcome.MISMATCH, "proxy")


@pytest.mark.parametrize("hyphen", [False, True])
async def test_org_code_lookup(subject: Subject, hyphen: bool) -> None:
    listed = next(u for u in REGISTRY.units if u.org_code is not None)
    assert listed.org_code is not None
    code = f"{listed.org_code[:8]}-{listed.org_code[8]}" if hyphen else listed.org_code

    answer = await subject.check.check_unit(unit_claim(listed, code=code))

    assert_answered(answer, RegistryOutcome.MATCH)


async def test_unit_not_found(subject: Subject) -> None:
    claim = unit_claim(unit(), code="91110000MA00000000")

    assert_answered(await subject.check.check_unit(claim), RegistryOutcome.NOT_FOUND)


async def test_outage_is_unavailable(subject: Subject) -> None:
    subject.sandbox.outage_rate = 1.0

    answers = [
        await subject.check.check_person(person_claim(person())),
        await subject.check.check_unit(unit_claim(unit())),
    ]

    for answer in answers:
        assert (answer.outcome, answer.mismatched, answer.reference) == (
            RegistryOutcome.UNAVAILABLE,
            (),
            None,
        )
        assert answer.detail


# Sandbox-only behaviour: the weather a tester can set.


async def test_sandbox_outage_rate_is_a_probability() -> None:
    sandbox = SandboxRegistry(REGISTRY, outage_rate=0.5, rng=random.Random(7))
    claim = person_claim(person())

    answers = [await sandbox.check_person(claim) for _ in range(40)]

    assert {a.outcome for a in answers} == {RegistryOutcome.MATCH, RegistryOutcome.UNAVAILABLE}
    outages = [a for a in answers if a.outcome is RegistryOutcome.UNAVAILABLE]
    assert {a.detail for a in outages} == {"sandbox outage"}
    sandbox.outage_rate = 0.0
    assert (await sandbox.check_person(claim)).outcome is RegistryOutcome.MATCH


async def test_sandbox_latency_delays_the_answer() -> None:
    sandbox = SandboxRegistry(REGISTRY, latency_seconds=0.05)
    started = time.monotonic()

    answer = await sandbox.check_person(person_claim(person()))

    assert answer.outcome is RegistryOutcome.MATCH
    assert time.monotonic() - started >= 0.05
