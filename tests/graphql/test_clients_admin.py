"""Operator GraphQL for partner systems: register, update, rotate, list; the secret works
at the token endpoint and stops working when rotated or the client is disabled."""

from __future__ import annotations

from datetime import timedelta

from identity_graph.accounts.enums import Role
from identity_graph.core.audit import AuditContext, AuditEvent
from tests.oauth.helpers import basic

ERRORS = """
    __typename
    ... on ValidationErrors { code errors { field code message } }
    ... on NotAuthorizedError { code message }
    ... on OperationRefused { code message }
"""
SECRET = "... on ClientWithSecret { clientSecret client { clientId name grantTypes disabled } }"
UPDATED = "... on ClientUpdated { client { clientId name disabled redirectUris } }"
REGISTER = (
    "mutation($input: RegisterClientInput!) { registerClient(input: $input) {"
    + ERRORS
    + SECRET
    + "} }"
)
UPDATE = (
    "mutation($input: UpdateClientInput!) { updateClient(input: $input) {"
    + ERRORS
    + UPDATED
    + "} }"
)
ROTATE = "mutation($id: String!) { rotateClientSecret(clientId: $id) {" + ERRORS + SECRET + "} }"
LIST = """query($first: Int!, $after: String) { clients(first: $first, after: $after) {
  edges { node { clientId name } } pageInfo { hasNextPage endCursor } } }"""
BACKEND = {"name": "社保业务系统", "grantTypes": ["client_credentials"], "scopes": ["profile"]}


async def staff_token(container, *roles: Role) -> str:
    account = await container.accounts.create_staff(
        f"ops-{'-'.join(r.value for r in roles)}",
        "a long password here",
        list(roles),
        AuditContext(),
    )
    return await container.sessions.issue_personal_token(
        account, "test", timedelta(days=1), AuditContext()
    )


async def grant(client, client_id: str, secret: str) -> int:
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    return response.status_code


async def test_register_rotate_disable(gql, client, container):
    admin = await staff_token(container, Role.ADMIN)
    created = (await gql(REGISTER, {"input": BACKEND}, token=admin))["data"]["registerClient"]
    assert created["__typename"] == "ClientWithSecret", created
    client_id, secret = created["client"]["clientId"], created["clientSecret"]
    assert await grant(client, client_id, secret) == 200

    rotated = (await gql(ROTATE, {"id": client_id}, token=admin))["data"]["rotateClientSecret"]
    assert rotated["clientSecret"] != secret
    assert await grant(client, client_id, secret) == 401
    assert await grant(client, client_id, rotated["clientSecret"]) == 200

    disabled = (
        await gql(UPDATE, {"input": {"clientId": client_id, "disabled": True}}, token=admin)
    )["data"]["updateClient"]
    assert disabled["client"]["disabled"] is True
    assert await grant(client, client_id, rotated["clientSecret"]) == 401
    actions = set(await AuditEvent.all().values_list("action", flat=True))
    assert {"client.registered", "client.secret_rotated", "client.updated"} <= actions


async def test_only_admins(gql, container):
    reviewer = await staff_token(container, Role.REVIEWER)
    refused = (await gql(REGISTER, {"input": BACKEND}, token=reviewer))["data"]["registerClient"]
    assert refused == {
        "__typename": "NotAuthorizedError",
        "code": "NOT_AUTHORIZED",
        "message": refused["message"],
    }
    anonymous = (await gql(REGISTER, {"input": BACKEND}))["data"]["registerClient"]
    assert anonymous["code"] == "NOT_AUTHENTICATED"
    listing = await gql(LIST, {"first": 5}, token=reviewer)
    assert listing["errors"][0]["extensions"]["code"] == "NOT_AUTHORIZED"


async def test_bad_registration_names_the_fields(gql, container):
    admin = await staff_token(container, Role.ADMIN)
    bad = {
        "name": "",
        "grantTypes": ["authorization_code", "implicit"],
        "redirectUris": ["http://partner.example.cn/cb", "https://ok.example.cn/cb#frag"],
        "scopes": ["openid", "everything"],
    }
    refused = (await gql(REGISTER, {"input": bad}, token=admin, language="en"))["data"][
        "registerClient"
    ]
    fields = {(error["field"], error["code"]) for error in refused["errors"]}
    assert fields == {
        ("name", "REQUIRED"),
        ("grantTypes", "CLIENT_GRANT_TYPE_UNSUPPORTED"),
        ("scopes", "CLIENT_SCOPE_UNSUPPORTED"),
        ("redirectUris.0", "CLIENT_REDIRECT_URI_INVALID"),
        ("redirectUris.1", "CLIENT_REDIRECT_URI_INVALID"),
    }
    public_backend = {**BACKEND, "tokenEndpointAuthMethod": "none"}
    refused = (await gql(REGISTER, {"input": public_backend}, token=admin))["data"][
        "registerClient"
    ]
    assert refused["errors"][0]["code"] == "CLIENT_PUBLIC_CANNOT_USE_CLIENT_CREDENTIALS"
    missing = (await gql(ROTATE, {"id": "idg-nobody"}, token=admin))["data"]["rotateClientSecret"]
    assert missing["errors"][0] == {
        "field": "clientId",
        "code": "CLIENT_NOT_FOUND",
        "message": missing["errors"][0]["message"],
    }


async def test_clients_paginate(gql, container):
    admin = await staff_token(container, Role.ADMIN)
    for index in range(3):
        await gql(REGISTER, {"input": {**BACKEND, "name": f"系统{index}"}}, token=admin)
    first = (await gql(LIST, {"first": 2}, token=admin))["data"]["clients"]
    assert [edge["node"]["name"] for edge in first["edges"]] == ["系统0", "系统1"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await gql(LIST, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=admin))[
        "data"
    ]["clients"]
    assert [edge["node"]["name"] for edge in rest["edges"]] == ["系统2"]
    assert rest["pageInfo"]["hasNextPage"] is False
