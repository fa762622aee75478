"""CIBA (issue 13): a client independent of the provider's code (plain httpx over real HTTP
against a served provider, the ID token checked against the published JWKS) asks for a
person by login name or ID number; the person sees the request among their to-dos,
passes the face check twice and confirms (or declines); the client polls the token
endpoint (authorization_pending, slow_down, then tokens once), and in ping mode is told
at its notification endpoint first."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.clients.service import ClientRegistration
from identity_graph.core.audit import AuditContext
from tests.agents.flows import verified
from tests.confirmations.flows import CONFIRM, DECLINE, MY_TODOS, OPEN
from tests.verification.face_check_flows import passed_check
from tests.verification.flows import ZHANG_WEI, resident
from tests.web.live import bound_socket, serving, url_of
from tests.web.live_provider import clock, provider, provider_socket, settings  # noqa: F401

CIBA = "urn:openid:params:grant-type:ciba"


async def ciba_client(container, mode: str = "poll", endpoint: str | None = None) -> Any:
    registered = await container.clients.register(
        ClientRegistration(
            name="河南农信柜台系统",
            grant_types=[CIBA],
            scopes=["openid", "profile"],
            backchannel_token_delivery_mode=mode,
            backchannel_client_notification_endpoint=endpoint,
        ),
        AuditContext(),
    )
    return (registered.client.client_id, registered.secret)


async def approve(client, gql, person: str, binding: str | None = None) -> None:
    """The authentication device: the person's to-do list, two face checks, confirm."""
    todos = (await gql(MY_TODOS, token=person))["data"]["myTransactionConfirmations"]
    assert len(todos) == 1 and todos[0]["title"] == "河南农信柜台系统请求确认身份"
    item = todos[0]["id"]
    face = await passed_check(client, gql, "CONFIRMATION_ACCESS", token=person, boundTo=item)
    opened = (await gql(OPEN, {"item": item, "face": face}, token=person))["data"]
    summary = opened["openTransactionItem"]["summary"]
    assert summary.startswith("「河南农信柜台系统」请求确认您的身份")
    if binding is not None:
        assert f"binding message: {binding}" in summary
    sign = await passed_check(client, gql, "CONFIRMATION_SIGN", token=person, boundTo=item)
    confirmed = await gql(CONFIRM, {"item": item, "face": sign}, token=person)
    assert confirmed["data"]["confirmTransaction"]["state"] == "CONFIRMED", confirmed


async def test_poll_mode_from_discovery_to_verified_id_token(
    provider, container, client, gql, hooks, clock
):
    person = await resident(gql, hooks, container, ZHANG_WEI)
    await verified(gql, hooks, person, person=ZHANG_WEI)
    client_id, secret = await ciba_client(container)
    async with httpx.AsyncClient(base_url=provider, auth=(client_id, secret)) as rp:
        meta = (await rp.get("/.well-known/openid-configuration")).json()
        assert meta["backchannel_token_delivery_modes_supported"] == ["poll", "ping"]
        assert CIBA in meta["grant_types_supported"]
        started = await rp.post(
            meta["backchannel_authentication_endpoint"],
            data={"scope": "openid profile", "login_hint": "zhangwei", "binding_message": "K7X2"},
        )
        assert started.status_code == 200, started.text
        handle = started.json()
        assert handle["interval"] == 5 and handle["expires_in"] == 600

        async def poll() -> httpx.Response:
            return await rp.post(
                meta["token_endpoint"],
                data={"grant_type": CIBA, "auth_req_id": handle["auth_req_id"]},
            )

        first = await poll()
        assert (first.status_code, first.json()["error"]) == (400, "authorization_pending")
        hasty = await poll()  # no time passed: slow down
        assert hasty.json()["error"] == "slow_down"
        await approve(client, gql, person, "K7X2")
        clock.advance(seconds=4)  # the interval grew to 10 s: still too early
        assert (await poll()).json()["error"] == "slow_down"
        clock.advance(seconds=16)
        tokens = await poll()
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        assert "refresh_token" not in body and body["scope"] == "openid profile"
        keys = KeySet.import_key_set((await rp.get(meta["jwks_uri"])).json())
        id_token = jwt.decode(body["id_token"], keys).claims
        assert id_token["aud"] == client_id and id_token["iss"] == provider
        assert id_token["acr"] == "urn:identity-graph:acr:real-person"
        assert id_token["amr"] == ["face"]
        userinfo_sub = jwt.decode(body["access_token"], keys).claims["sub"]
        assert userinfo_sub == id_token["sub"]
        again = await poll()  # an auth_req_id is redeemed once
        assert again.json()["error"] == "invalid_grant"


async def test_refusals_decline_and_expiry(provider, container, client, gql, hooks, clock):
    person = await resident(gql, hooks, container, ZHANG_WEI)
    await verified(gql, hooks, person, person=ZHANG_WEI)
    client_id, secret = await ciba_client(container)
    endpoint = provider + "/oauth/bc-authorize"
    async with httpx.AsyncClient(base_url=provider, auth=(client_id, secret)) as rp:

        async def start(**form: str) -> httpx.Response:
            return await rp.post(endpoint, data={"scope": "openid", **form})

        assert (await start(login_hint="nobody")).json()["error"] == "unknown_user_id"
        assert (await start()).json()["error"] == "invalid_request"
        no_openid = await rp.post(endpoint, data={"scope": "profile", "login_hint": "zhangwei"})
        assert no_openid.json()["error"] == "invalid_scope"
        long_binding = await start(login_hint="zhangwei", binding_message="x" * 65)
        assert long_binding.json()["error"] == "invalid_binding_message"
        assert (await start(login_hint="zhangwei", requested_expiry="0")).status_code == 400
        wrong = await httpx.AsyncClient(base_url=provider).post(
            endpoint,
            data={"scope": "openid", "login_hint": "zhangwei"},
            auth=(client_id, "not-the-secret"),
        )
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")

        # By ID number; the person declines.
        declined = (await start(login_hint=ZHANG_WEI["idNumber"])).json()["auth_req_id"]
        todo = (await gql(MY_TODOS, token=person))["data"]["myTransactionConfirmations"][0]
        face = await passed_check(
            client, gql, "CONFIRMATION_ACCESS", token=person, boundTo=todo["id"]
        )
        await gql(OPEN, {"item": todo["id"], "face": face}, token=person)
        await gql(DECLINE, {"item": todo["id"], "reason": "不是我发起的"}, token=person)
        answer = await rp.post("/oauth/token", data={"grant_type": CIBA, "auth_req_id": declined})
        assert (answer.status_code, answer.json()["error"]) == (400, "access_denied")

        # Nobody answers within requested_expiry.
        late = (await start(login_hint="zhangwei", requested_expiry="60")).json()["auth_req_id"]
        clock.advance(seconds=61)
        answer = await rp.post("/oauth/token", data={"grant_type": CIBA, "auth_req_id": late})
        assert answer.json()["error"] == "expired_token"
        todos = (await gql(MY_TODOS, token=person))["data"]["myTransactionConfirmations"]
        assert {todo["state"] for todo in todos} == {"DECLINED", "EXPIRED"}

        # Another client cannot redeem this client's handle.
        other_id, other_secret = await ciba_client(container)
        stolen = await httpx.AsyncClient(base_url=provider).post(
            "/oauth/token",
            data={"grant_type": CIBA, "auth_req_id": declined},
            auth=(other_id, other_secret),
        )
        assert stolen.json()["error"] == "invalid_grant"


async def test_ping_mode_notifies_the_client_then_it_redeems(
    provider, container, client, gql, hooks, clock
):
    pings: list[tuple[dict[str, Any], str]] = []

    async def notified(request: Request) -> Response:
        pings.append((await request.json(), request.headers["authorization"]))
        return Response(status_code=204)

    sock = bound_socket()
    person = await resident(gql, hooks, container, ZHANG_WEI)
    await verified(gql, hooks, person, person=ZHANG_WEI)
    client_id, secret = await ciba_client(container, "ping", f"{url_of(sock)}/ciba")
    rp_site = Starlette(routes=[Route("/ciba", notified, methods=["POST"])])
    async with (
        serving([(rp_site, sock)]),
        httpx.AsyncClient(base_url=provider, auth=(client_id, secret)) as rp,
    ):
        refused = await rp.post(
            "/oauth/bc-authorize", data={"scope": "openid", "login_hint": "zhangwei"}
        )
        assert refused.json()["error"] == "invalid_request"  # ping needs its token
        started = await rp.post(
            "/oauth/bc-authorize",
            data={
                "scope": "openid",
                "login_hint": "zhangwei",
                "client_notification_token": "8d67dc78-7faa-4d41-aabd-67707b374255",
            },
        )
        handle = started.json()["auth_req_id"]
        await approve(client, gql, person)
        await container.job_worker().run_once()
        assert pings == [({"auth_req_id": handle}, "Bearer 8d67dc78-7faa-4d41-aabd-67707b374255")]
        tokens = await rp.post("/oauth/token", data={"grant_type": CIBA, "auth_req_id": handle})
        assert tokens.status_code == 200 and "id_token" in tokens.json()


async def test_registration_needs_a_delivery_mode_and_a_ping_endpoint(container):
    from identity_graph.core.errors import ValidationFailed

    for mode, endpoint in ((None, None), ("push", None), ("ping", None), ("ping", "ftp://x")):
        with pytest.raises(ValidationFailed) as refused:
            await ciba_client(container, mode, endpoint)  # type: ignore[arg-type]
        fields = {error.field for error in refused.value.errors}
        assert fields & {"backchannelTokenDeliveryMode", "backchannelClientNotificationEndpoint"}


async def test_openid_client_initiates_and_polls(provider, container, client, gql, hooks):
    """openid-client (Node, OpenID-certified) as the CIBA client: discovery, the
    backchannel request, and its own polling loop until the person has confirmed."""
    from tests.oauth.relying_party import RelyingParty

    person = await resident(gql, hooks, container, ZHANG_WEI)
    await verified(gql, hooks, person, person=ZHANG_WEI)
    client_id, secret = await ciba_client(container)
    async with RelyingParty.started() as rp:
        found = await rp.ok("discover", issuer=provider, client_id=client_id, client_secret=secret)
        assert found["metadata"]["backchannel_authentication_endpoint"].endswith("/bc-authorize")
        unknown = await rp.call("ciba_initiate", scope="openid", login_hint="nobody")
        assert unknown["error"]["error"] == "unknown_user_id"
        started = await rp.ok(
            "ciba_initiate", scope="openid profile", login_hint=ZHANG_WEI["idNumber"]
        )
        assert started["response"]["interval"] == 5
        await approve(client, gql, person)
        answer = await rp.ok("ciba_poll", response=started["response"])
    assert answer["claims"]["acr"] == "urn:identity-graph:acr:real-person"
    assert answer["claims"]["aud"] == client_id
    assert answer["tokens"]["token_type"].lower() == "bearer"
