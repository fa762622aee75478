"""GraphQL documents and steps shared by the face-check tests (``startFaceCheck``,
``faceCheck``, the sandbox face page). Persons come from the packaged sandbox registry."""

from __future__ import annotations

import re
from typing import Any

import httpx

from identity_graph.container import TestHooks
from tests.graphql.accounts_helpers import ERRORS
from tests.graphql.helpers import solved_captcha

FACE_CHECK_FIELDS = "id purpose status personName idType idNumber failureReason createdAt expiresAt"

START_FACE_CHECK = (
    """
mutation Start($input: StartFaceCheckInput!) {
  startFaceCheck(input: $input) {
    __typename
    ... on FaceCheckStarted { faceCheckId url expiresAt faceCheck { """
    + FACE_CHECK_FIELDS
    + """ } }
"""
    + ERRORS
    + "  }\n}\n"
)

FACE_CHECK = "query Poll($id: ID!) { faceCheck(id: $id) { " + FACE_CHECK_FIELDS + " } }"

# 李娜 in the sandbox registry.
LI_NA = {"realName": "李娜", "idType": "RESIDENT_ID_CARD", "idNumber": "320102199007210048"}


async def start_face_check(
    gql: Any,
    purpose: str,
    *,
    token: str | None = None,
    language: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = await gql(
        START_FACE_CHECK, {"input": {"purpose": purpose, **fields}}, token=token, language=language
    )
    assert "errors" not in body, body
    return dict(body["data"]["startFaceCheck"])


async def start_anonymous(
    gql: Any, hooks: TestHooks, purpose: str, person: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """A person without an account: their identity and a solved captcha."""
    captcha_id, answer = await solved_captcha(gql, hooks)
    return await start_face_check(
        gql, purpose, person=person, captchaId=captcha_id, captchaAnswer=answer, **fields
    )


async def poll(gql: Any, check_id: str, token: str | None = None) -> dict[str, Any] | None:
    body = await gql(FACE_CHECK, {"id": check_id}, token=token)
    assert "errors" not in body, body
    return body["data"]["faceCheck"]


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def answer_page(client: httpx.AsyncClient, url: str, result: str) -> httpx.Response:
    """Open the sandbox face page and press pass or fail; the response is the redirect."""
    page = await client.get(path_of(url))
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    return await client.post(path_of(url), data={"csrf": csrf.group(1), "result": result})


async def passed_check(
    client: httpx.AsyncClient, gql: Any, purpose: str, token: str | None = None, **fields: Any
) -> str:
    """Start a check for a logged-in account, pass it on the sandbox page; its id."""
    started = await start_face_check(gql, purpose, token=token, **fields)
    assert started["__typename"] == "FaceCheckStarted", started
    done = await answer_page(client, started["url"], "passed")
    assert done.status_code == 303, done.text
    return str(started["faceCheckId"])
