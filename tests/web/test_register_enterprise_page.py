"""The legal-person registration page (法人注册, seed 004 §二) over HTTP without JavaScript:
reserved phone and captcha, then the unit, its legal representative and the unit's
account; errors next to their fields, values kept, nothing written on error; the new unit
then logs in on the legal-person tab."""

from __future__ import annotations

from identity_graph.accounts.models import Account, Enterprise
from tests.graphql.accounts_helpers import PASSWORD
from tests.web.test_login_page import open_form, submit
from tests.web.test_register_page import code_from_outbox, field_error, send_code, value_of

UNIT_PHONE = "13900002222"


def unit_details(page: str, code: str, **overrides: str) -> dict[str, str]:
    from tests.web.test_login_page import hidden

    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "lang": hidden(page, "lang"),
        "step": "details",
        "credentials.phone": value_of(page, "credentials.phone"),
        "credentials.smsCode": code,
        "credentials.loginName": "XingqiaoTech",
        "credentials.password": PASSWORD,
        "passwordConfirm": PASSWORD,
        "credentials.pledgeVersion": hidden(page, "credentials.pledgeVersion"),
        "credentials.pledgeAccepted": "yes",
        "unit.name": "北京星桥信息技术有限公司",
        "unit.regionType": "domestic",
        "unit.legalPersonType": "enterprise",
        "unit.uscc": "91110000MA01K7PW7Y",
        "unit.address": "北京市海淀区中关村大街1号",
        "unit.foundingDate": "2014-05-20",
        "legalRepresentative.name": "张伟",
        "legalRepresentative.idType": "resident_id_card",
        "legalRepresentative.idNumber": "110105198503120039",
        "legalRepresentative.idLongTerm": "yes",
    }
    data.update(overrides)
    return data


async def test_a_unit_registers_and_logs_in_by_credit_code(client, hooks, container):
    sent = await send_code(client, hooks, UNIT_PHONE, kind="enterprise")
    assert sent.status_code == 200
    assert "法人注册" in sent.text and "单位信息" in sent.text and "法定代表人姓名" in sent.text
    code = await code_from_outbox(container, UNIT_PHONE)
    action = "/register?return_to=%2F&kind=enterprise"

    bad = await client.post(
        action,
        data=unit_details(sent.text, code, **{"unit.uscc": "91110000MA01K7PW7I"}),
    )
    assert bad.status_code == 400
    assert field_error(bad.text, "unit.uscc")
    assert value_of(bad.text, "unit.name") == "北京星桥信息技术有限公司"
    assert PASSWORD not in bad.text
    assert not await Account.filter(login_name="XingqiaoTech").exists()

    typed = await client.post(
        action, data=unit_details(sent.text, code, **{"legalRepresentative.idType": "nope"})
    )
    assert typed.status_code == 400
    assert field_error(typed.text, "legalRepresentative.idType")

    done = await client.post(action, data=unit_details(sent.text, code))
    assert done.status_code == 201, done.text
    assert "XingqiaoTech" in done.text and "kind=enterprise" in done.text
    unit = await Enterprise.get(uscc="91110000MA01K7PW7Y")
    assert unit.name == "北京星桥信息技术有限公司"

    _, form = await open_form(client, kind="enterprise")
    answer = await submit(client, hooks, form, "91110000MA01K7PW7Y")
    assert answer.status_code == 200
