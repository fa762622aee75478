"""Operator GraphQL for a partner system's CIBA settings (issue 13): the delivery mode and
ping's notification endpoint are registered, shown, changed and dropped with the grant;
every bad combination is a typed error naming its field, in Chinese and English, and
leaves nothing written; the registered client is accepted at ``/oauth/bc-authorize``."""

from __future__ import annotations

from typing import Any

import pytest

from identity_graph.accounts.enums import Role
from identity_graph.clients.models import OAuthClient
from identity_graph.clients.service import ClientRegistration, ClientService
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import ValidationFailed
from tests.graphql.test_clients_admin import ERRORS, staff_token
from tests.oauth.helpers import basic

CIBA = "urn:openid:params:grant-type:ciba"
CLIENT = """client { clientId grantTypes backchannelTokenDeliveryMode
  backchannelClientNotificationEndpoint }"""
REGISTER = (
    "mutation($input: RegisterClientInput!) { registerClient(input: $input) {"
    + ERRORS
    + "... on ClientWithSecret { clientSecret "
    + CLIENT
    + " } } }"
)
UPDATE = (
    "mutation($input: UpdateClientInput!) { updateClient(input: $input) {"
    + ERRORS
    + "... on ClientUpdated { "
    + CLIENT
    + " } } }"
)
PING = {
    "name": "河南农信柜台系统",
    "grantTypes": [CIBA],
    "scopes": ["openid", "profile"],
    "backchannelTokenDeliveryMode": "PING",
    "backchannelClientNotificationEndpoint": "https://partner.example.cn/ciba",
}


async def register(gql, admin: str, **changes: Any) -> dict[str, Any]:
    answer = await gql(REGISTER, {"input": {**PING, **changes}}, token=admin, language="en")
    return dict(answer["data"]["registerClient"])


async def update(gql, admin: str, client_id: str, **changes: Any) -> dict[str, Any]:
    answer = await gql(UPDATE, {"input": {"clientId": client_id, **changes}}, token=admin)
    return dict(answer["data"]["updateClient"])


async def test_register_change_and_drop_the_ciba_settings(gql, client, container):
    admin = await staff_token(container, Role.ADMIN)
    created = await register(gql, admin)
    assert created["client"]["backchannelTokenDeliveryMode"] == "PING"
    assert (
        created["client"]["backchannelClientNotificationEndpoint"]
        == PING["backchannelClientNotificationEndpoint"]
    )
    client_id, secret = created["client"]["clientId"], created["clientSecret"]
    # The provider takes it as a CIBA client (it looks the person up, who is unknown).
    started = await client.post(
        "/oauth/bc-authorize",
        data={"scope": "openid", "login_hint": "nobody", "client_notification_token": "t" * 20},
        headers=basic(client_id, secret),
    )
    assert started.json()["error"] == "unknown_user_id", started.text

    polling = await update(gql, admin, client_id, backchannelTokenDeliveryMode="POLL")
    assert polling["client"]["backchannelTokenDeliveryMode"] == "POLL"
    assert polling["client"]["backchannelClientNotificationEndpoint"] is None
    pinging = await update(
        gql,
        admin,
        client_id,
        backchannelTokenDeliveryMode="PING",
        backchannelClientNotificationEndpoint="https://partner.example.cn/ciba2",
    )
    assert pinging["client"]["backchannelClientNotificationEndpoint"].endswith("/ciba2")
    dropped = await update(gql, admin, client_id, grantTypes=["client_credentials"])
    assert dropped["client"] == {
        "clientId": client_id,
        "grantTypes": ["client_credentials"],
        "backchannelTokenDeliveryMode": None,
        "backchannelClientNotificationEndpoint": None,
    }


@pytest.mark.parametrize(
    ("changes", "field", "code", "zh", "en"),
    [
        (
            {"backchannelTokenDeliveryMode": None},
            "backchannelTokenDeliveryMode",
            "CLIENT_CIBA_DELIVERY_MODE",
            "令牌交付方式",
            "delivery mode",
        ),
        (
            {"backchannelClientNotificationEndpoint": None},
            "backchannelClientNotificationEndpoint",
            "CLIENT_CIBA_NOTIFICATION_ENDPOINT_REQUIRED",
            "通知地址",
            "notification endpoint",
        ),
        (
            {"backchannelClientNotificationEndpoint": "http://partner.example.cn/ciba"},
            "backchannelClientNotificationEndpoint",
            "CLIENT_CIBA_NOTIFICATION_ENDPOINT_INVALID",
            "通知地址须为完整的 https 地址",
            "notification endpoint must be an absolute https URL",
        ),
        (
            {"backchannelTokenDeliveryMode": "POLL"},
            "backchannelClientNotificationEndpoint",
            "CLIENT_CIBA_POLL_HAS_NO_ENDPOINT",
            "通知地址",
            "notification endpoint",
        ),
        (
            {"tokenEndpointAuthMethod": "none"},
            "tokenEndpointAuthMethod",
            "CLIENT_CIBA_NEEDS_SECRET",
            "客户端认证方式",
            "auth method",
        ),
        (
            {"grantTypes": ["client_credentials"]},
            "backchannelTokenDeliveryMode",
            "CLIENT_CIBA_GRANT_MISSING",
            "令牌交付方式",
            "delivery mode",
        ),
    ],
)
async def test_bad_ciba_settings_name_the_field_in_both_languages(
    gql, container, changes, field, code, zh, en
):
    admin = await staff_token(container, Role.ADMIN)
    before = await OAuthClient.all().count()
    for language, words in (("zh-CN", zh), ("en", en)):
        answer = await gql(REGISTER, {"input": {**PING, **changes}}, token=admin, language=language)
        refused = answer["data"]["registerClient"]
        assert refused["__typename"] == "ValidationErrors", refused
        assert [(error["field"], error["code"]) for error in refused["errors"]] == [(field, code)]
        assert words in refused["errors"][0]["message"]
    assert await OAuthClient.all().count() == before  # nothing half-written


async def test_a_bad_change_leaves_the_client_as_it_was(gql, container):
    admin = await staff_token(container, Role.ADMIN)
    client_id = (await register(gql, admin))["client"]["clientId"]
    refused = await update(
        gql, admin, client_id, backchannelClientNotificationEndpoint="ftp://partner.example.cn"
    )
    assert refused["errors"][0]["code"] == "CLIENT_CIBA_NOTIFICATION_ENDPOINT_INVALID"
    removed = await update(gql, admin, client_id, backchannelClientNotificationEndpoint="")
    assert removed["errors"][0]["code"] == "CLIENT_CIBA_NOTIFICATION_ENDPOINT_REQUIRED"
    row = await OAuthClient.get(client_id=client_id)
    assert row.backchannel_token_delivery_mode == "ping"
    assert (
        row.backchannel_client_notification_endpoint
        == PING["backchannelClientNotificationEndpoint"]
    )


async def test_loopback_notifications_only_outside_production(gql, container):
    admin = await staff_token(container, Role.ADMIN)
    local = "http://127.0.0.1:8080/ciba"
    created = await register(gql, admin, backchannelClientNotificationEndpoint=local)
    assert created["client"]["backchannelClientNotificationEndpoint"] == local  # env "test"

    production = ClientService(container.clock, container.hasher, container.audit)
    registration = ClientRegistration(
        name="柜台系统",
        grant_types=[CIBA],
        backchannel_token_delivery_mode="ping",
        backchannel_client_notification_endpoint=local,
    )
    with pytest.raises(ValidationFailed) as refused:
        await production.register(registration, AuditContext())
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("backchannelClientNotificationEndpoint", "CLIENT_CIBA_NOTIFICATION_ENDPOINT_INVALID")
    ]
