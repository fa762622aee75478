"""The other four appeal kinds end to end over GraphQL (SPEC §6.1): a unit recovers its
password by appeal (seed 002 §3.2.2); a unit changes its legal representative and phone
(修改企业信息申诉, with the authorisation letter as .docx); an assisted registration
creates the enterprise pending activation; an identity change writes the new name."""

from __future__ import annotations

import pytest

from identity_graph.accounts.models import Account
from identity_graph.recovery.appeals.models import Appeal
from tests.appeals.helpers import DECIDE, id_scans, reset_link, reviewer_token, submit_appeal
from tests.files import samples
from tests.graphql.accounts_helpers import latest_sms, login, sms_code
from tests.verification.flows import (
    XINGQIAO,
    ZHANG_WEI,
    enterprise,
    my_verification,
    resident,
    submit,
)
from tests.web.test_login_page import hidden

pytestmark = pytest.mark.postgres

UNIT = {"unitName": XINGQIAO["unitName"], "legalPersonType": "ENTERPRISE", "uscc": XINGQIAO["code"]}
LI_NA = {
    "legalRepresentativeName": "李娜",
    "legalRepresentativeIdType": "RESIDENT_ID_CARD",
    "legalRepresentativeIdNumber": "110108197906150093",
}
UNIT_FILES = [
    ("BUSINESS_LICENCE", "licence.pdf", samples.pdf()),
    ("AUTHORISATION_LETTER", "letter.docx", samples.docx()),
    ("ID_FRONT", "front.png", samples.png()),
    ("ID_BACK", "back.jpg", samples.jpeg()),
    ("HOLDING_ID_PHOTO", "holding.jpg", samples.jpeg()),
    ("OTHER", "agent-id.png", samples.png()),
]
ENTERPRISE_ME = "{ me { status enterprise { legalRepresentative { name } } } }"


async def approve(gql, container, number: str) -> dict:
    row = await Appeal.get(number=number)
    staff = await reviewer_token(container)
    body = await gql(
        DECIDE, {"input": {"appealId": str(row.id), "decision": "APPROVE"}}, token=staff
    )
    result = body["data"]["decideAppeal"]
    assert result["__typename"] == "AppealDecided", result
    return result["appeal"]


async def appeal(gql, hooks, container, client, phone: str, files, **values) -> str:
    code = await sms_code(gql, hooks, container, phone, "APPEAL")
    result = await submit_appeal(client, {"phone": phone, "smsCode": code, **values}, files)
    assert result["__typename"] == "AppealSubmitted", result
    return str(result["appeal"]["number"])


async def set_password(client, container, phone: str, password: str) -> None:
    link = await reset_link(container, phone)
    page = await client.get(link)
    form = {"csrf_token": hidden(page.text, "csrf_token"), "password": password}
    done = await client.post(link, data={**form, "confirmPassword": password})
    assert done.status_code == 200, done.text


async def test_a_unit_recovers_its_password_by_appeal(gql, hooks, container, client):
    await enterprise(gql, hooks, container, XINGQIAO)
    agent = {
        "agentRegionType": "MAINLAND",
        "agentIdType": "RESIDENT_ID_CARD",
        "agentIdNumber": ZHANG_WEI["idNumber"],
    }
    files = [("BUSINESS_LICENCE", "licence.pdf", samples.pdf()), *id_scans()]
    number = await appeal(
        gql, hooks, container, client, "13600001111", files, kind="UNIT_PASSWORD", **UNIT, **agent
    )
    await approve(gql, container, number)
    await set_password(client, container, "13600001111", "Unit#Reset2026")
    tokens = await login(gql, "ENTERPRISE", XINGQIAO["code"], "Unit#Reset2026")
    assert tokens["accessToken"]


async def test_modify_enterprise_changes_the_legal_representative(gql, hooks, container, client):
    await enterprise(gql, hooks, container, XINGQIAO)
    missing = await submit_appeal(
        client,
        {"kind": "MODIFY_ENTERPRISE", "phone": "13600002222", "smsCode": "123456", **UNIT, **LI_NA},
        UNIT_FILES[:2],
    )
    required = {e["code"] for e in missing["errors"] if e["field"] == "materials"}
    assert required == {"MATERIAL_REQUIRED"}

    number = await appeal(
        gql,
        hooks,
        container,
        client,
        "13600002222",
        UNIT_FILES,
        kind="MODIFY_ENTERPRISE",
        remark="法定代表人已变更",
        **UNIT,
        **LI_NA,
    )
    decided = await approve(gql, container, number)
    assert decided["status"] == "APPROVED"
    await set_password(client, container, "13600002222", "Unit#Reset2027")
    tokens = await login(gql, "ENTERPRISE", "XingqiaoTech", "Unit#Reset2027")
    me = (await gql(ENTERPRISE_ME, token=tokens["accessToken"]))["data"]["me"]
    assert me["enterprise"]["legalRepresentative"]["name"] == "李娜"


async def test_assisted_registration_creates_a_unit_pending_activation(
    gql, hooks, container, client
):
    unit = {
        "unitName": "南京云帆科技有限公司",
        "legalPersonType": "ENTERPRISE",
        "uscc": "91320102MA1N8X3Q5W",
    }
    bad = await submit_appeal(
        client,
        {
            "kind": "ASSISTED_REGISTRATION",
            "phone": "13600003333",
            "smsCode": "123456",
            **unit,
            **LI_NA,
            "accountName": "1bad",
        },
        UNIT_FILES,
    )
    assert "accountName" in {e["field"] for e in bad["errors"]}
    number = await appeal(
        gql,
        hooks,
        container,
        client,
        "13600003333",
        UNIT_FILES,
        kind="ASSISTED_REGISTRATION",
        accountName="Yunfan2026",
        **unit,
        **LI_NA,
    )
    decided = await approve(gql, container, number)
    account = await Account.get(id=decided["accountId"])
    assert account.status.value == "pending_activation" and account.login_name == "Yunfan2026"
    assert "审核通过" in await latest_sms(container, "13600003333")
    refused = await login(gql, "ENTERPRISE", "Yunfan2026", "whatever#2026A")
    assert refused["__typename"] != "LoginSucceeded"


async def test_an_identity_change_appeal_writes_the_new_name(gql, hooks, container, client):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    assert (await submit(gql, hooks, token, person=ZHANG_WEI))["verification"]["status"] == (
        "VERIFIED"
    )
    person = {k: ZHANG_WEI[k] for k in ("realName", "regionType", "idType", "idNumber")}
    number = await appeal(
        gql,
        hooks,
        container,
        client,
        "13600004444",
        id_scans(),
        kind="IDENTITY_CHANGE",
        newRealName="张卫",
        **person,
    )
    await approve(gql, container, number)
    me = (await gql("{ me { naturalPerson { realName } } }", token=token))["data"]["me"]
    assert me["naturalPerson"]["realName"] == "张卫"
    # Still verified, now by the reviewer and for the new identity.
    verification = await my_verification(gql, token)
    assert verification["status"] == "MANUAL_APPROVED"
    assert verification["currentCase"]["claim"]["name"] == "张卫"


async def test_the_authorisation_letter_template_downloads(client):
    response = await client.get("/appeals/authorisation-letter.docx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    from identity_graph.files.sniff import sniff

    assert sniff(response.content, "letter.docx").extension == "docx"
