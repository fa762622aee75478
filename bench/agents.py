"""``canHandleService`` for a partner back-end, per second per core (issue 11: target ≥ 2,000
requests/s per core, like introspection), with p50/p99; allowed and refused answers
alternate in rounds, since a refusal stops earlier in the check.

    .venv/bin/python -m bench.agents [--seconds 10] [--rounds 3] [--workers N]

Seeds one verified unit, ``--agents`` verified residents bound to it (each holding a grant
of the partner's service, but every other one revoked), and the partner's client.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

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


async def _seed(env: dict[str, str], agents: int) -> tuple[str, str, list[str], list[str]]:
    """The partner (id, secret), then the person ids allowed and refused."""
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
        ClientRegistration("bench partner", ["client_credentials"], scopes=["profile"]),
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
    allowed, refused = [], []
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
    await container.aclose()
    await db.close_database()
    assert partner.secret is not None
    return partner.client.client_id, partner.secret, allowed, refused


def main() -> None:
    parser = round_parser(__doc__)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    with running_server(args.workers, accounts=1) as (server, _):
        client_id, secret, allowed, refused = asyncio.run(_seed(server.env, args.agents))
        token = httpx.post(
            f"{server.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic_authorization(client_id, secret)},
        ).json()["access_token"]
        cases = {
            "canHandleService ALLOWED": (allowed, '"ALLOWED"'),
            "canHandleService NO_PERMISSION_FOR_SERVICE": (refused, '"NO_PERMISSION_FOR_SERVICE"'),
        }
        runs: dict[str, list[WrkResult]] = {label: [] for label in cases}
        for rounds in (1, args.rounds):
            for _ in range(rounds):
                for label, (people, expect) in cases.items():
                    bodies = [
                        {"query": CHECK, "variables": {"uscc": USCC, "person": person}}
                        for person in people
                    ]
                    result = run_wrk(
                        server.url,
                        bodies,
                        expect=expect,
                        connections=args.connections,
                        seconds=args.seconds if rounds > 1 else 3,
                        tokens=[token],
                    )
                    if rounds > 1:
                        runs[label].append(result)
    n = cores()
    print(f"machine: {n} cores; server: {args.workers} workers, PostgreSQL; wrk here")
    for label, results in runs.items():
        best = median_round(results)
        print(
            f"{label}: {best.rate:,.0f}/s ({best.rate / n:,.0f}/s per core), "
            f"p50 {best.p50_ms:.1f} ms, p99 {best.p99_ms:.1f} ms, wrong answers {best.wrong}"
        )
    print(
        "reproduce: .venv/bin/python -m bench.agents "
        f"--seconds {args.seconds} --rounds {args.rounds} --agents {args.agents}"
    )


if __name__ == "__main__":
    main()
