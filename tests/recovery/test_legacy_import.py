"""Legacy import (``recovery/legacy_import.py``): every hash type logs in over GraphQL and is
re-hashed to Argon2id, 15-digit IDs become 18, the WP_ rule, reruns and broken rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson, PasswordCredential
from identity_graph.container import Container, TestHooks
from identity_graph.core.audit import AuditContext
from identity_graph.recovery.activation_models import LegacyImportRecord
from identity_graph.recovery.legacy_import import Outcome, read_rows
from tests.graphql.accounts_helpers import login, register_enterprise, register_person
from tests.graphql.helpers import solved_captcha
from tests.recovery.legacy_fixtures import (
    OLD_PASSWORD,
    OTHER_USCC,
    SAME_USCC,
    UNIT_USCC,
    person,
    residents,
    unit,
    write_csv,
    write_json,
)

CLI = AuditContext(client_ip="cli")


async def _import(container: Container, path: Path) -> Any:
    return await container.legacy_import.run(read_rows(path), CLI)


async def _counts() -> tuple[int, int, int, int]:
    return (
        await Account.all().count(),
        await NaturalPerson.all().count(),
        await Enterprise.all().count(),
        await LegacyImportRecord.all().count(),
    )


async def test_each_hash_type_logs_in_and_becomes_argon2id(
    container: Container, gql: Any, hooks: TestHooks, tmp_path: Path
) -> None:
    report = await _import(container, write_csv(tmp_path / "people.csv", residents()))
    assert [row.outcome for row in report.rows] == [Outcome.IMPORTED] * 4
    for row in residents():
        account = await Account.get(login_name=row["login_name"])
        assert account.status == AccountStatus.ACTIVE
        before = (await PasswordCredential.get(account_id=account.id)).hash
        assert not before.startswith("$argon2")
        wrong = await login(
            gql,
            "NATURAL_PERSON",
            row["login_name"],
            "not-the-password1",
            captcha=await solved_captcha(gql, hooks),
        )
        assert wrong["code"] == "INVALID_CREDENTIALS"
        assert (await PasswordCredential.get(account_id=account.id)).hash == before
        captcha = await solved_captcha(gql, hooks)
        ok = await login(gql, "NATURAL_PERSON", row["login_name"], OLD_PASSWORD, captcha=captcha)
        assert ok["__typename"] == "SessionTokens", (row["login_name"], ok)
        after = (await PasswordCredential.get(account_id=account.id)).hash
        assert after.startswith("$argon2id$"), row["login_name"]
        captcha = await solved_captcha(gql, hooks)
        again = await login(gql, "NATURAL_PERSON", row["login_name"], OLD_PASSWORD, captcha=captcha)
        assert again["__typename"] == "SessionTokens"


async def test_fifteen_digit_resident_id_is_stored_as_eighteen(
    container: Container, tmp_path: Path
) -> None:
    await _import(container, write_csv(tmp_path / "people.csv", residents()[:1]))
    stored = await NaturalPerson.get(
        id_number_index=container.vault.index_id_number("11010519491231002X")
    )
    assert container.vault.open(stored.id_number_cipher, "id_number") == "11010519491231002X"


async def test_wp_rule_rerun_and_broken_rows(
    container: Container, gql: Any, hooks: TestHooks, tmp_path: Path
) -> None:
    # The platform already has "AcmeTrading01" for another unit and "SameUnit01" ... for the same.
    taken = await register_enterprise(gql, hooks, container)
    assert taken["__typename"] == "Registered", taken
    same = await register_enterprise(
        gql,
        hooks,
        container,
        phone="13912340000",
        login_name="SameUnit001",
        unit={**_unit_input(), "uscc": SAME_USCC},
    )
    assert same["__typename"] == "Registered", same
    rows = [
        unit("AcmeTrading01", UNIT_USCC, "13600000001"),  # another unit holds the name
        unit("SameUnit001", SAME_USCC, "13600000002"),  # the same unit: merged
        unit("FreshUnit001", "91440300MA5F00001A", "13600000003"),
        person("broken_hash", residents()[0]["password_hash"] and _scheme(), "110108199003071238")
        | {"password_hash": "plaintext-password"},
        person("bad_id", _scheme(), "110108199003071239"),  # wrong check digit
        {"kind": "robot", "login_name": ""},
        unit("NoPhoneUnit01", "91110108MA01ABCDEN", ""),
    ]
    path = write_csv(tmp_path / "units.csv", rows)
    report = await _import(container, path)
    outcomes = [(row.outcome, row.login_name) for row in report.rows]
    assert outcomes[:3] == [
        (Outcome.RENAMED, "WP_AcmeTrading01"),
        (Outcome.MERGED, "SameUnit001"),
        (Outcome.IMPORTED, "FreshUnit001"),
    ]
    assert [row.outcome for row in report.rows[3:]] == [Outcome.ERROR] * 4
    errors = {row.row: {(e.field, e.code) for e in row.errors} for row in report.rows[3:]}
    assert errors[4] == {("password_hash", "LEGACY_HASH_FORMAT")}
    assert errors[5] == {("id_number", "ID_NUMBER_CHECKSUM")}
    assert {("kind", "LEGACY_KIND"), ("login_name", "REQUIRED")} <= errors[6]
    assert errors[7] == {("phone", "REQUIRED")}
    renamed = await Account.get(login_name="WP_AcmeTrading01")
    assert renamed.status == AccountStatus.PENDING_ACTIVATION
    assert (await Enterprise.get(id=renamed.id)).uscc == UNIT_USCC
    original = await Account.get(login_name="AcmeTrading01")
    assert (await Enterprise.get(id=original.id)).uscc == OTHER_USCC
    assert original.status == AccountStatus.ACTIVE
    merged_into = await Account.get(login_name="SameUnit001")
    assert report.rows[1].account_id == merged_into.id
    assert merged_into.status == AccountStatus.ACTIVE  # the platform's account is untouched
    assert (await PasswordCredential.get(account_id=merged_into.id)).hash.startswith("$argon2id$")
    assert not await Account.filter(login_name="broken_hash").exists()
    assert not await Account.filter(login_name="NoPhoneUnit01").exists()

    before = await _counts()
    rerun = await _import(container, path)
    assert [row.outcome for row in rerun.rows[:3]] == [Outcome.UNCHANGED] * 3
    assert [row.login_name for row in rerun.rows[:3]] == [r.login_name for r in report.rows[:3]]
    assert [row.outcome for row in rerun.rows[3:]] == [Outcome.ERROR] * 4
    assert await _counts() == before


async def test_json_file_and_a_name_taken_by_a_resident(
    container: Container, gql: Any, hooks: TestHooks, tmp_path: Path
) -> None:
    registered = await register_person(gql, hooks, container)  # login name "zhangsan"
    assert registered["__typename"] == "Registered", registered
    rows: list[Any] = [
        person("zhangsan", _scheme(), "440304198510152347"),  # another person: refused
        unit("ZhangSan", UNIT_USCC, "13600000001"),  # a unit: WP_ (names are case-blind)
        "not an object",
    ]
    report = await _import(container, write_json(tmp_path / "b.json", rows))
    assert [row.outcome for row in report.rows] == [Outcome.ERROR, Outcome.RENAMED, Outcome.ERROR]
    assert report.rows[0].errors[0].code == "LEGACY_PERSON_NAME_TAKEN"
    assert report.rows[1].login_name == "WP_ZhangSan"
    assert await Account.filter(kind="natural_person").count() == 1


def _scheme() -> Any:
    from identity_graph.accounts.legacy_hashes import LegacyScheme

    return LegacyScheme.SALTED_SHA256


def _unit_input() -> dict[str, Any]:
    from tests.graphql.accounts_helpers import enterprise_input

    return dict(enterprise_input()["unit"])
