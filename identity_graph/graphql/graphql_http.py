"""GraphQL over HTTP (the GraphQL Foundation's draft spec) where strawberry leaves choices.

* Media type: ``application/graphql-response+json`` when the ``Accept`` header ranks it at
  least as high as ``application/json``; ``application/json`` otherwise (also for ``*/*``
  or no header, as legacy clients expect).
* Request errors (the document does not parse or validate, a variable does not coerce, a
  document with several operations names none) are answered without a ``data`` entry;
  with the new media type also with status 400. Field errors keep 200 and ``data``.
"""

from __future__ import annotations

from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"


def answer_media_type(accept: str | None) -> str | None:
    """``application/graphql-response+json`` (with charset) if the client prefers it."""
    if not accept:
        return None
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        kind, *params = part.split(";")
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranks[kind.strip().lower()] = max(quality, ranks.get(kind.strip().lower(), 0.0))
    wanted = ranks.get(GRAPHQL_RESPONSE, 0.0)
    if wanted > 0 and wanted >= ranks.get("application/json", 0.0):
        return f"{GRAPHQL_RESPONSE}; charset=utf-8"
    return None


def is_request_error(result: ExecutionResult) -> bool:
    """Errors before execution carry no path; execution (field) errors always do."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )
