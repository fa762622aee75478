"""``IsVerified`` blocks business for unverified principals with what to do next, and the
first-party access token carries the level as ``acr`` (SPEC §4.1, §4.2)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import orjson
import pytest
import strawberry
from strawberry.types import ExecutionResult

from identity_graph.container import Container
from identity_graph.core.i18n import Locale
from identity_graph.graphql.context import Context
from identity_graph.graphql.permissions import IsVerified
from identity_graph.sessions.viewer import Viewer
from tests.graphql.accounts_helpers import login
from tests.verification.flows import ZHANG_WEI, resident, submit

pytestmark = pytest.mark.postgres


@strawberry.type
class Business:
    @strawberry.field(permission_classes=[IsVerified])
    def apply_for_licence(self) -> str:
        return "accepted"


SCHEMA = strawberry.Schema(query=Business)


async def run_as(container: Container, account_id: uuid.UUID, locale: Locale) -> ExecutionResult:
    account = (await container.accounts.get_many([account_id]))[account_id]
    viewer = Viewer(account.id, account.kind, account.login_name, account=account)
    context = Context(None, None, container, viewer, locale, "203.0.113.7")  # type: ignore[arg-type]
    return await SCHEMA.execute("{ applyForLicence }", context_value=context)


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_unverified_then_failed_then_verified(gql, hooks, container):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    account_id = uuid.UUID(claims(token)["sub"])
    assert claims(token)["acr"] == "urn:identity-graph:acr:phone-verified"

    refused = await run_as(container, account_id, "zh-CN")
    assert refused.errors is not None
    assert refused.errors[0].extensions == {"code": "VERIFICATION_REQUIRED", "status": "UNVERIFIED"}
    assert refused.errors[0].message == "请先完成实名认证后再办理业务"

    await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})
    failed = await run_as(container, account_id, "en")
    assert failed.errors is not None
    assert "face check" in failed.errors[0].message

    await submit(gql, hooks, token, person=ZHANG_WEI)
    allowed = await run_as(container, account_id, "zh-CN")
    assert allowed.errors is None
    assert allowed.data == {"applyForLicence": "accepted"}
    again = await login(gql, "NATURAL_PERSON", "zhangwei")
    assert claims(again["accessToken"])["acr"] == "urn:identity-graph:acr:real-name"
