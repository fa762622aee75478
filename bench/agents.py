"""``canHandleService`` for a partner back-end and RFC 8693 token exchange, per second per
core (issue 11: target ≥ 2,000 checks/s per core, like introspection), with p50/p99.
Allowed and refused checks over GraphQL and over the plain HTTP endpoint
(``POST /agents/service-permission``), token exchanges and plain introspections (the
reference the target names, measured in the same run so a loaded machine shows as a ratio)
alternate in rounds.

    .venv/bin/python -m bench.agents [--seconds 10] [--rounds 3] [--workers N]

Seeds one verified unit, ``--agents`` verified residents bound to it (each holding a grant
of the partner's service, but every other one revoked), the partner's client (client
credentials, authorization code and token exchange) and one person's access token issued
to it through a real code redemption.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    WrkResult,
    basic_authorization,
    cores,
    median_round,
    resident_id,
    round_parser,
    run_wrk,
    running_server,
)

SERVICE = "000106004000"
CHECK = (
    "query C($uscc: String!, $person: ID!) { canHandleService(uscc: $uscc,"
    ' serviceCode: "000106004000", personId: $person) { allowed code } }'
)
USCC = "91110000MA01K7PW7Y"
PERMISSION = "/agents/service-permission"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
REDIRECT = "https://rp.example.cn/cb"


async def _seed(env: dict[str, str], agents: int) -> dict[str, Any]:
    """The partner (id, secret), the person ids allowed and refused, the unit, and an
    authorization code for the first allowed person."""
    from identity_graph import db
    from identity_graph.accounts.enums import AccountKind, LegalPersonType, UnitRegion
    from identity_graph.accounts.enums import VerificationStatus as Status
    from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
    from identity_graph.agents.models import (
        AgentBinding,
        AgentGrant,
        AgentRole,
        BindingOrigin,
        BindingState,
    )
    from identity_graph.clients.service import ClientRegistration
    from identity_graph.container import Container
    from identity_graph.core.audit import AuditContext
    from identity_graph.ids.types import IdType, RegionType
    from identity_graph.sessions.authorization_codes import CodeRequest
    from identity_graph.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=env["IDG_DATABASE_URL"],
        data_dir=Path(env["IDG_DATA_DIR"]),
        secret_key=env["IDG_SECRET_KEY"],
    )
    await db.open_database(settings.resolved_database_url)
    container = Container(settings)
    vault, now = container.vault, container.clock.now()
    partner = await container.clients.register(
        ClientRegistration(
            "bench partner",
            ["client_credentials", "authorization_code", EXCHANGE],
            scopes=["openid", "profile", "enterprise"],
            redirect_uris=[REDIRECT],
        ),
        AuditContext(),
    )
    service = await container.catalogue.register(
        partner.client.client_id, SERVICE, "外国人来华工作许可", AuditContext()
    )
    unit = await Account.create(
        id=uuid.uuid4(),
        kind=AccountKind.ENTERPRISE,
        login_name="BenchUnit01",
        login_key="benchunit01",
        verification_status=Status.VERIFIED,
        created_at=now,
        updated_at=now,
    )
    await Enterprise.create(
        id=unit.id,
        account_id=unit.id,
        name="北京星桥信息技术有限公司",
        region_type=UnitRegion.DOMESTIC,
        legal_person_type=LegalPersonType.ENTERPRISE,
        uscc=USCC,
        address="北京市海淀区",
        legal_rep_name_cipher=vault.seal("张伟", "legal_rep_name"),
        legal_rep_id_type=IdType.RESIDENT_ID_CARD,
        legal_rep_id_number_cipher=vault.seal(resident_id(0), "legal_rep_id_number"),
        legal_rep_id_number_index=vault.index_id_number(resident_id(0)),
        updated_at=now,
    )
    allowed: list[str] = []
    refused: list[str] = []
    for serial in range(agents):
        person = await Account.create(
            id=uuid.uuid4(),
            kind=AccountKind.NATURAL_PERSON,
            login_name=f"agent{serial:05d}",
            login_key=f"agent{serial:05d}",
            verification_status=Status.VERIFIED,
            created_at=now,
            updated_at=now,
        )
        await NaturalPerson.create(
            id=person.id,
            account_id=person.id,
            real_name_cipher=vault.seal("经办人", "real_name"),
            region_type=RegionType.MAINLAND,
            id_type=IdType.RESIDENT_ID_CARD,
            id_number_cipher=vault.seal(resident_id(serial + 1), "id_number"),
            id_number_index=vault.index_id_number(f"{resident_id(serial + 1)}-{serial}"),
            updated_at=now,
        )
        binding = await AgentBinding.create(
            id=uuid.uuid4(),
            enterprise_id=unit.id,
            person_id=person.id,
            role=AgentRole.AGENT,
            state=BindingState.ACTIVE,
            origin=BindingOrigin.ADDED,
            live_key=f"{unit.id}:{person.id}",
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(days=365),
        )
        live = serial % 2 == 0
        await AgentGrant.create(
            binding=binding,
            service=service,
            live_key=f"{binding.id}:{service.id}" if live else None,
            granted_at=now,
            revoked_at=None if live else now,
        )
        (allowed if live else refused).append(str(person.id))
    first = await Account.get(id=uuid.UUID(allowed[0]))
    session = await container.tokens.start_session(first, amr=["pwd"], client_ip=None)
    code = await container.authorization_codes.issue(
        CodeRequest(
            partner.client.client_id,
            first.id,
            session.session_id,
            REDIRECT,
            "openid profile",
            "urn:identity-graph:acr:phone-verified",
            ["pwd"],
            now,
        )
    )
    await container.aclose()
    await db.close_database()
    assert partner.secret is not None
    return {
        "client_id": partner.client.client_id,
        "secret": partner.secret,
        "allowed": allowed,
        "refused": refused,
        "unit": str(unit.id),
        "code": code,
    }


def main() -> None:
    parser = round_parser(__doc__)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    with running_server(args.workers, accounts=1) as (server, _):
        seeded = asyncio.run(_seed(server.env, args.agents))
        basic = basic_authorization(seeded["client_id"], seeded["secret"])
        token = httpx.post(
            f"{server.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic},
        ).json()["access_token"]
        person = httpx.post(
            f"{server.url}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": seeded["code"],
                "redirect_uri": REDIRECT,
            },
            headers={"Authorization": basic},
        ).json()["access_token"]
        oauth = {"form": True, "authorization": basic}
        cases: dict[str, dict[str, Any]] = {
            "canHandleService ALLOWED": {
                "body": _checks(seeded["allowed"]),
                "expect": '"ALLOWED"',
                "tokens": [token],
            },
            "canHandleService NO_PERMISSION_FOR_SERVICE": {
                "body": _checks(seeded["refused"]),
                "expect": '"NO_PERMISSION_FOR_SERVICE"',
                "tokens": [token],
            },
            "POST /agents/service-permission ALLOWED": {
                "body": _plain(seeded["allowed"]),
                "expect": '"code":"ALLOWED"',
                "path": PERMISSION,
                "tokens": [token],
            },
            "POST /agents/service-permission NO_PERMISSION_FOR_SERVICE": {
                "body": _plain(seeded["refused"]),
                "expect": '"code":"NO_PERMISSION_FOR_SERVICE"',
                "path": PERMISSION,
                "tokens": [token],
            },
            "token exchange": {
                "body": {
                    "grant_type": EXCHANGE,
                    "subject_token": person,
                    "subject_token_type": ACCESS,
                    "enterprise_id": seeded["unit"],
                },
                "expect": '"issued_token_type"',
                "path": "/oauth/token",
                **oauth,
            },
            "introspection (reference)": {
                "body": {"token": token},
                "expect": '"active":true',
                "path": "/oauth/introspect",
                **oauth,
            },
        }
        runs: dict[str, list[WrkResult]] = {label: [] for label in cases}
        for warm_up, rounds in ((True, 1), (False, args.rounds)):
            for _ in range(rounds):
                for label, case in cases.items():
                    result = run_wrk(
                        server.url,
                        connections=args.connections,
                        seconds=3 if warm_up else args.seconds,
                        **case,
                    )
                    if not warm_up:
                        runs[label].append(result)
    n = cores()
    print(f"machine: {n} cores; server: {args.workers} workers, PostgreSQL; wrk here")
    reference = median_round(runs["introspection (reference)"]).rate
    for label, results in runs.items():
        best = median_round(results)
        print(
            f"{label}: {best.rate:,.0f}/s ({best.rate / n:,.0f}/s per core, "
            f"{best.rate / reference:.2f} x introspection), "
            f"p50 {best.p50_ms:.1f} ms, p99 {best.p99_ms:.1f} ms, wrong answers {best.wrong}"
        )
    print(
        "reproduce: .venv/bin/python -m bench.agents "
        f"--seconds {args.seconds} --rounds {args.rounds} --agents {args.agents}"
    )


def _checks(people: list[str]) -> list[dict[str, object]]:
    return [{"query": CHECK, "variables": {"uscc": USCC, "person": p}} for p in people]


def _plain(people: list[str]) -> list[dict[str, object]]:
    return [{"serviceCode": SERVICE, "uscc": USCC, "personId": p} for p in people]


if __name__ == "__main__":
    main()
