"""QR-code login: the page shows a QR image (decoded here with zxing-cpp, as a phone's
camera would), a logged-in app approves the code over GraphQL, and the page's poll gets
the browser session. The code alone cannot take the session; it expires in two minutes."""

from __future__ import annotations

import base64
import io
import re

import zxingcpp
from PIL import Image

from identity_graph.core.audit import AuditEvent
from identity_graph.sessions.browser import COOKIE
from tests.graphql.accounts_helpers import login, register_person

APPROVE = """mutation($code: String!) { approveQrLogin(code: $code) { __typename
  ... on QrLoginApproved { approved } ... on ValidationErrors { errors { field code } }
  ... on NotAuthorizedError { code } } }"""


def attribute(html: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]+)"', html)
    assert match, name
    return match.group(1)


async def qr_page(client, **params: str) -> tuple[str, str, str]:
    page = await client.get("/login/qr", params=params)
    assert page.status_code == 200
    image_url = attribute(page.text, "img src")
    png = base64.b64decode(image_url.split(",", 1)[1])
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return decoded.text, attribute(page.text, "data-request"), attribute(page.text, "data-poll")


async def poll(client, request_id: str, token: str) -> dict:
    answer = await client.post(
        "/login/qr/status", data={"request_id": request_id, "poll_token": token}
    )
    assert answer.status_code == 200
    return dict(answer.json())


async def test_scan_approve_and_the_page_logs_in(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    app = (await login(gql, "NATURAL_PERSON", "zhangsan"))["accessToken"]
    code, request_id, token = await qr_page(client, return_to="/oauth/authorize?x=1")
    assert code.startswith("idg-qr:")
    assert await poll(client, request_id, token) == {"state": "pending"}

    approved = (await gql(APPROVE, {"code": code}, token=app))["data"]["approveQrLogin"]
    assert approved == {"__typename": "QrLoginApproved", "approved": True}
    again = (await gql(APPROVE, {"code": code}, token=app))["data"]["approveQrLogin"]
    assert again["errors"] == [{"field": "code", "code": "QR_LOGIN_INVALID"}]

    wrong_poll = await poll(client, request_id, "not-the-token")
    assert wrong_poll == {"state": "expired"}
    done = await client.post(
        "/login/qr/status", data={"request_id": request_id, "poll_token": token}
    )
    assert done.json() == {"state": "completed", "next": "/oauth/authorize?x=1"}
    session = await container.browser_sessions.read(done.cookies.get(COOKIE))
    assert session is not None and session.amr == ["qr"]
    assert await poll(client, request_id, token) == {"state": "expired"}  # used once
    assert await AuditEvent.filter(action="login.qr").count() == 1


async def test_expired_unknown_and_anonymous(client, hooks, gql, container, clock):
    await register_person(gql, hooks, container)
    app = (await login(gql, "NATURAL_PERSON", "zhangsan"))["accessToken"]
    code, request_id, token = await qr_page(client)
    anonymous = (await gql(APPROVE, {"code": code}))["data"]["approveQrLogin"]
    assert anonymous["code"] == "NOT_AUTHENTICATED"
    forged = (await gql(APPROVE, {"code": code[:-2] + "xx"}, token=app))["data"]
    assert forged["approveQrLogin"]["errors"][0]["code"] == "QR_LOGIN_INVALID"
    clock.advance(seconds=121)
    late = (await gql(APPROVE, {"code": code}, token=app))["data"]["approveQrLogin"]
    assert late["errors"][0]["code"] == "QR_LOGIN_INVALID"
    assert await poll(client, request_id, token) == {"state": "expired"}
