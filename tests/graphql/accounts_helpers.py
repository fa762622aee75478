"""GraphQL documents and builders for registration, login and profile tests.

Synthetic identities (valid check characters, nobody real): resident IDs
``11010519491231002X`` (female, 1949-12-31), ``110108199003071238`` (male, 1990-03-07),
``440304198510152347`` (female), ``310115197001010011`` (male); credit codes
``91350100M000100Y43``, ``91110108MA01ABCDEN``, ``91440300MA5F00001A``.
"""

from __future__ import annotations

import re
from typing import Any

from identity_graph.accounts import pledge
from identity_graph.container import Container, TestHooks
from tests.graphql.helpers import request_code

PASSWORD = "Secret#2026x"
PERSON_ID = "110108199003071238"
USCC = "91350100M000100Y43"

ERRORS = """
    ... on ValidationErrors { code message errors { field code message } }
    ... on RateLimitedError { code message retryAfter scope }
    ... on NotAuthorizedError { code message }
    ... on OperationRefused { code message }
"""

REGISTER_PERSON = (
    """
mutation Register($input: RegisterNaturalPersonInput!) {
  registerNaturalPerson(input: $input) {
    __typename
    ... on Registered { passwordStrength account { id kind loginName level status phone } }
"""
    + ERRORS
    + "  }\n}\n"
)

REGISTER_ENTERPRISE = (
    """
mutation Register($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) {
    __typename
    ... on Registered { passwordStrength account { id kind loginName level status phone } }
"""
    + ERRORS
    + "  }\n}\n"
)

LOGIN = (
    """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on SessionTokens { accessToken refreshToken expiresIn tokenType account { id kind } }
    ... on CaptchaRequiredError { code message }
    ... on LoginRefusedError { code message unlockAt remainingAttempts }
"""
    + ERRORS
    + "  }\n}\n"
)

ME = """
{ me { id kind loginName status level phone email createdAt
       naturalPerson { realName idType idNumber gender birthDate regionType address }
       enterprise { name uscc legalPersonType address
                    legalRepresentative { name idType idNumber mobile } } } }
"""


async def latest_sms(container: Container, phone: str) -> str:
    messages = await container.notifier.list_messages(destination=phone, limit=1)
    return messages[0].text if messages else ""


async def sms_code(
    gql: Any, hooks: TestHooks, container: Container, phone: str, purpose: str = "REGISTER"
) -> str:
    """Request a code for ``phone`` and read it from the outbox."""
    sent = await request_code(gql, hooks, phone, purpose)
    assert sent["__typename"] == "SmsCodeSent", sent
    match = re.search(r"\b(\d{6})\b", await latest_sms(container, phone))
    assert match
    return match.group(1)


def credentials(login_name: str, phone: str, code: str, **overrides: Any) -> dict[str, Any]:
    values = {
        "loginName": login_name,
        "password": PASSWORD,
        "phone": phone,
        "smsCode": code,
        "pledgeVersion": pledge.CURRENT.version,
        "pledgeAccepted": True,
    }
    values.update(overrides)
    return values


CREDENTIAL_KEYS = frozenset({"email", "password", "pledgeVersion", "pledgeAccepted", "smsCode"})


def _route(values: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides named like credential fields go into ``credentials``."""
    for key, value in overrides.items():
        if key in CREDENTIAL_KEYS:
            values["credentials"][key] = value
        else:
            values[key] = value
    return values


def person_input(
    login_name: str = "zhangsan",
    phone: str = "13812345678",
    code: str = "000000",
    **overrides: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "credentials": credentials(login_name, phone, code),
        "realName": "张三",
        "regionType": "MAINLAND",
        "idType": "RESIDENT_ID_CARD",
        "idNumber": PERSON_ID,
        "idValidFrom": "2015-01-01",
        "idValidUntil": "2035-01-01",
        "address": "北京市海淀区中关村大街1号",
    }
    return _route(values, overrides)


def enterprise_input(
    login_name: str = "AcmeTrading01",
    phone: str = "13912345678",
    code: str = "000000",
    **overrides: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "credentials": credentials(login_name, phone, code),
        "unit": {
            "name": "福州示例贸易有限公司",
            "regionType": "DOMESTIC",
            "legalPersonType": "ENTERPRISE",
            "address": "福建省福州市鼓楼区五四路1号",
            "uscc": USCC,
            "industry": "5191",
            "size": "SMALL",
            "holding": "PRIVATE",
            "foundingDate": "2012-05-04",
        },
        "legalRepresentative": {
            "name": "李四",
            "idType": "RESIDENT_ID_CARD",
            "idNumber": "440304198510152347",
            "idLongTerm": True,
            "mobile": "13912345678",
        },
    }
    return _route(values, overrides)


async def register_person(
    gql: Any, hooks: TestHooks, container: Container, **overrides: Any
) -> dict[str, Any]:
    """Request a code and register a resident; return the mutation's result."""
    phone = overrides.pop("phone", "13812345678")
    code = await sms_code(gql, hooks, container, phone)
    body = await gql(REGISTER_PERSON, {"input": person_input(phone=phone, code=code, **overrides)})
    return dict(body["data"]["registerNaturalPerson"])


async def register_enterprise(
    gql: Any, hooks: TestHooks, container: Container, **overrides: Any
) -> dict[str, Any]:
    phone = overrides.pop("phone", "13912345678")
    code = await sms_code(gql, hooks, container, phone)
    body = await gql(
        REGISTER_ENTERPRISE, {"input": enterprise_input(phone=phone, code=code, **overrides)}
    )
    return dict(body["data"]["registerEnterprise"])


async def login(
    gql: Any,
    kind: str,
    identifier: str,
    password: str = PASSWORD,
    *,
    captcha: tuple[str, str] | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    variables: dict[str, Any] = {"kind": kind, "identifier": identifier, "password": password}
    if captcha:
        variables["captchaId"], variables["captchaAnswer"] = captcha
    body = await gql(LOGIN, {"input": variables}, language=language)
    return dict(body["data"]["login"])
