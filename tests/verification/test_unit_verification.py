"""Legal persons over GraphQL (SPEC §4.4): registry match, Jiangsu founding-date mismatch,
e-licence fallback with the licence password from the registry file."""

from __future__ import annotations

import re

import pytest

from tests.verification.flows import START_LICENCE, XINGQIAO, enterprise, my_verification, submit

pytestmark = pytest.mark.postgres

JIANGSU = {
    "code": "91320102MA1N8X3Q5W",
    "unitName": "南京云栖软件有限公司",
    "legalRepresentative": {
        "name": "李娜",
        "idType": "RESIDENT_ID_CARD",
        "idNumber": "320102199007210048",
    },
    "foundingDate": "2016-03-22",
    "address": "江苏省南京市玄武区中山路1号",
}


async def test_enterprise_verified_by_the_registry(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    result = await submit(gql, hooks, token, unit=XINGQIAO)
    verification = result["verification"]
    assert verification["status"] == "VERIFIED", verification
    assert verification["level"] == "REAL_NAME"
    assert verification["currentCase"]["claim"]["code"] == "91110000MA01K7PW7Y"


async def test_jiangsu_founding_date_mismatch_then_e_licence(gql, hooks, container, client):
    token = await enterprise(
        gql, hooks, container, JIANGSU, loginName="NanjingYunqi", phone="13912340000"
    )
    result = await submit(gql, hooks, token, unit={**JIANGSU, "foundingDate": "2016-03-23"})
    verification = result["verification"]
    assert verification["status"] == "FAILED"
    assert verification["currentCase"]["failureFields"] == ["foundingDate"]
    assert verification["nextSteps"] == ["BUSINESS_LICENCE", "MANUAL_REVIEW", "SUBMIT"]

    started = (await gql(START_LICENCE, token=token))["data"]["startBusinessLicenceVerification"]
    assert started["qrImage"].startswith("data:image/png;base64,")
    path = "/" + started["url"].split("://", 1)[1].split("/", 1)[1]
    page = await client.get(path)
    assert "南京云栖软件有限公司" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    wrong = await client.post(path, data={"csrf": csrf.group(1), "password": "licence-1"})
    assert wrong.status_code == 400 and "执照密码不正确" in wrong.text
    assert (await my_verification(gql, token))["status"] == "FAILED"

    right = await client.post(path, data={"csrf": csrf.group(1), "password": "licence-2"})
    assert right.status_code == 303
    assert right.headers["location"] == f"/verification/result/{started['challengeId']}"
    shown = await client.get(right.headers["location"])
    assert shown.status_code == 200 and "电子营业执照认证通过，单位已完成实名认证" in shown.text
    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED"
    assert verification["statusText"] == "电子营业执照认证通过"
    assert verification["currentCase"]["decidedBy"] == "BUSINESS_LICENCE"
    assert verification["currentCase"]["route"] == "FALLBACK"


async def test_other_legal_person_type_goes_to_manual_review(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO, legalPersonType="OTHER")
    result = await submit(gql, hooks, token, unit=XINGQIAO)
    assert result["verification"]["currentCase"]["route"] == "MANUAL"
    assert result["verification"]["nextSteps"] == ["MANUAL_REVIEW", "SUBMIT"]


async def test_a_proxy_linked_to_the_unit_verifies_it(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    proxy = {"idType": "RESIDENT_ID_CARD", "idNumber": "440305199501300062"}

    result = await submit(gql, hooks, token, unit={**XINGQIAO, "proxy": proxy})

    assert result["verification"]["status"] == "VERIFIED", result


async def test_a_proxy_the_registry_does_not_link_fails_on_that_field(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    # 李娜 acts for the Nanjing unit, not for this one.
    proxy = {"idType": "RESIDENT_ID_CARD", "idNumber": "320102199007210048"}

    result = await submit(gql, hooks, token, unit={**XINGQIAO, "proxy": proxy})

    verification = result["verification"]
    assert verification["status"] == "FAILED"
    assert verification["currentCase"]["failureFields"] == ["proxy"]
    assert verification["nextSteps"] == ["BUSINESS_LICENCE", "MANUAL_REVIEW", "SUBMIT"]


async def test_a_malformed_proxy_number_names_its_field(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    proxy = {"idType": "RESIDENT_ID_CARD", "idNumber": "440305199501300063"}

    result = await submit(gql, hooks, token, unit={**XINGQIAO, "proxy": proxy})

    assert result["__typename"] == "ValidationErrors", result
    assert [e["field"] for e in result["errors"]] == ["proxy.idNumber"]
    assert (await my_verification(gql, token))["currentCase"] is None
