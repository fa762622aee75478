"""GraphQL document and inputs for ``activateEnterprise``; an imported pending unit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from identity_graph.container import Container, TestHooks
from identity_graph.core.audit import AuditContext
from identity_graph.recovery.legacy_import import read_rows
from tests.graphql.accounts_helpers import ERRORS, latest_sms
from tests.graphql.helpers import solved_captcha
from tests.recovery.legacy_fixtures import UNIT_USCC, unit, write_csv

UNIT_PHONE = "13600000001"
NEW_PASSWORD = "Fresh#Start2026"

ACTIVATE = (
    """
mutation Activate($input: ActivateEnterpriseInput!) {
  activateEnterprise(input: $input) {
    __typename
    ... on ActivationStep { flowId step maskedPhone loginName expiresAt resendAfterSeconds
                            passwordStrength }
"""
    + ERRORS
    + "  }\n}\n"
)


async def import_unit(container: Container, tmp_path: Path, name: str = "AcmeTrading01") -> Any:
    path = write_csv(tmp_path / "unit.csv", [unit(name, UNIT_USCC, UNIT_PHONE)])
    return await container.legacy_import.run(read_rows(path), AuditContext(client_ip="cli"))


def confirm_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "legalPersonType": "ENTERPRISE",
        "unitName": "上海来华示例科技有限公司",
        "uscc": UNIT_USCC,
        "legalRepresentativeName": "赵六",
        "idType": "RESIDENT_ID_CARD",
        "idNumber": "310115197001010011",
        "idValidity": "TWENTY_YEARS",
        "idValidFrom": "2016-03-01",
    }
    values.update(overrides)
    return values


async def activate(gql: Any, values: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    body = await gql(ACTIVATE, {"input": values}, language=language)
    assert body.get("data"), body
    return dict(body["data"]["activateEnterprise"])


async def confirm(
    gql: Any, hooks: TestHooks, language: str | None = None, **overrides: Any
) -> dict[str, Any]:
    captcha_id, answer = await solved_captcha(gql, hooks)
    values = confirm_input(**{"captchaId": captcha_id, "captchaAnswer": answer, **overrides})
    return await activate(gql, values, language)


async def sent_code(container: Container) -> str:
    match = re.search(r"\b(\d{6})\b", await latest_sms(container, UNIT_PHONE))
    assert match
    return match.group(1)
