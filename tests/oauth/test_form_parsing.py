"""The token endpoints' own urlencoded form reader reads every body exactly as Starlette's
``request.form()`` (python-multipart) does: the hygiene middleware and authlib see the same
fields as before."""

from __future__ import annotations

import random

from starlette.datastructures import Headers
from starlette.formparsers import FormParser

from identity_graph.oauth.starlette import urlencoded_fields

ALPHABET = [b"a", b"b", b"=", b"&", b";", b"+", b"%", b"%2", b"%26", b"%3D", b"%00", b"\xff", b" "]


async def _starlette(body: bytes) -> list[tuple[str, str]]:
    async def stream():  # type: ignore[no-untyped-def]
        yield body

    headers = Headers({"content-type": "application/x-www-form-urlencoded"})
    form = await FormParser(headers, stream()).parse()
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


async def test_bodies_read_as_starlette_reads_them():
    chosen = random.Random(16)
    bodies = [
        b"",
        b"grant_type=client_credentials&scope=profile",
        b"a",
        b"a&",
        b"&a",
        b"a&&b=1",
        b"=1",
        b"a==b",
        b"a=1;b=2",
        b"token=ab%2Bcd%3D&token_type_hint=access_token",
    ]
    bodies += [b"".join(chosen.choices(ALPHABET, k=chosen.randint(1, 24))) for _ in range(3000)]
    for body in bodies:
        assert urlencoded_fields(body) == await _starlette(body), body


def test_a_body_with_very_many_fields_is_left_to_starlette():
    assert urlencoded_fields(b"a=1&" * 1000) is None
