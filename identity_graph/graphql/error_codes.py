"""``ErrorCode``: every code the service answers with, as one GraphQL enum, so that clients
can switch on ``code`` (and code generators give them a closed type).

The values are the message catalogs' codes (``container.MESSAGE_CATALOGS``): every code a
service raises has a message there (tests/test_message_catalogs.py), so every code a
``UserError`` carries is a value of the enum. Values serialise as the same strings as
before, so clients that compared strings keep working.
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from identity_graph.container import MESSAGE_CATALOGS


def _codes() -> dict[str, Any]:
    """Each code, described by its English message (placeholders such as ``{max}`` left in)."""
    messages: dict[str, str] = {}
    for catalog in MESSAGE_CATALOGS:
        messages.update({code: english for code, (_, english) in catalog.items()})
    return {
        code: strawberry.enum_value(code, description=messages[code])
        for code in sorted(messages)
        if messages[code]  # a few notices have no message of their own: not answers
    }


_ERROR_CODES: type[enum.Enum] = enum.Enum("ErrorCode", _codes())  # type: ignore[misc]
ErrorCode = strawberry.enum(
    _ERROR_CODES,
    description="Stable machine-readable codes of errors and refusals; the message beside "
    "a code is in the caller's language and may be reworded, the code is not.",
)
