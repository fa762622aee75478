"""The login page's agent tab (经办人登录, seed 004 §一) over HTTP, without JavaScript: the
unit, the agent's phone and ID number and the agent password start a session that acts for
the unit; mistakes come back on the page with what was typed (but never the ID number)."""

from __future__ import annotations

import uuid

from identity_graph.sessions.browser import COOKIE
from identity_graph.sessions.tokens import LoginSession
from tests.agents.flows import LI_NA
from tests.agents.test_agent_login import AGENT_PASSWORD, _agent_with_password
from tests.verification.flows import XINGQIAO
from tests.web.test_login_page import open_form


async def _post(client, hooks, form, **fields):
    answer = hooks.captcha_answers[uuid.UUID(form["captcha_id"])]
    return await client.post("/login", data={**form, "captcha_answer": answer, **fields})


async def test_the_agent_tab_logs_the_person_in_for_the_unit(client, hooks, gql, container):
    w = await _agent_with_password(gql, hooks, container)
    html, form = await open_form(client, kind="agent")
    assert "经办人登录" in html and "经办人手机号" in html and "经办人身份证号码" in html
    assert form["kind"] == "agent"
    english, _ = await open_form(client, kind="agent", lang="en")
    assert "Agent&#39;s mobile number" in english

    refused = await _post(
        client,
        hooks,
        form,
        identifier=XINGQIAO["code"],
        agent_phone="13812340001",
        agent_id_number=LI_NA["idNumber"],
        password="Wrong#Pass2026",
    )
    assert refused.status_code == 400
    assert "账号或密码错误" in refused.text
    assert 'value="13812340001"' in refused.text  # kept for the next try ...
    assert LI_NA["idNumber"] not in refused.text  # ... but not the ID number
    assert COOKIE not in refused.cookies

    html, form = await open_form(client, kind="agent")
    answer = await _post(
        client,
        hooks,
        form,
        identifier=XINGQIAO["code"],
        agent_phone="13812340001",
        agent_id_number=LI_NA["idNumber"],
        password=AGENT_PASSWORD,
    )
    assert answer.status_code == 200, answer.text
    session = await container.browser_sessions.read(answer.cookies.get(COOKIE))
    assert session is not None and str(session.account.id) == w.person_id
    row = await LoginSession.get(id=session.session_id)
    assert str(row.acting_enterprise_id) == w.unit_id
