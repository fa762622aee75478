"""The schema: per-domain queries and mutations merged into one Apollo Federation v2 subgraph."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from identity_graph.core.availability import unavailable
from identity_graph.core.errors import DomainError
from identity_graph.core.timeouts import is_timeout
from identity_graph.graphql.accounts.extended import ExtendedInfoMutations
from identity_graph.graphql.accounts.mutations import AccountMutations
from identity_graph.graphql.accounts.queries import AccountQueries
from identity_graph.graphql.accounts.types import Account, Enterprise, NaturalPerson
from identity_graph.graphql.activation import ActivationMutations
from identity_graph.graphql.agents.mutations import AgentMutations
from identity_graph.graphql.agents.queries import AgentQueries
from identity_graph.graphql.appeals.schema import AppealMutations, AppealQueries
from identity_graph.graphql.challenges.mutations import ChallengeMutations
from identity_graph.graphql.challenges.queries import ChallengeQueries
from identity_graph.graphql.clients.mutations import ClientMutations
from identity_graph.graphql.clients.queries import ClientQueries
from identity_graph.graphql.confirmations import ConfirmationMutations, ConfirmationQueries
from identity_graph.graphql.consents.schema import ConsentMutations, ConsentQueries
from identity_graph.graphql.context import Info
from identity_graph.graphql.documentation import describe_inputs
from identity_graph.graphql.federation import admit_entities, gate_sdl
from identity_graph.graphql.input_rules import RULE, InputRule, guard_arguments, json_errors
from identity_graph.graphql.instrumentation import OperationMetrics
from identity_graph.graphql.jobs import JobMutations, JobQueries
from identity_graph.graphql.limits import limit_extensions
from identity_graph.graphql.notifications.queries import NotificationQueries
from identity_graph.graphql.recovery.audit import AuditQueries
from identity_graph.graphql.recovery.reset import PasswordResetMutations
from identity_graph.graphql.sessions.mutations import SessionMutations
from identity_graph.graphql.subscriptions import Subscription
from identity_graph.graphql.verification.face_check_schema import (
    FaceCheckMutations,
    FaceCheckQueries,
)
from identity_graph.graphql.verification.mutations import VerificationMutations
from identity_graph.graphql.verification.queries import VerificationQueries
from identity_graph.settings import Settings

log = logging.getLogger("identity_graph.graphql")


@strawberry.type(description="Everything you can read.")
class Query(
    AccountQueries,
    AgentQueries,
    ConfirmationQueries,
    ChallengeQueries,
    ClientQueries,
    ConsentQueries,
    JobQueries,
    NotificationQueries,
    VerificationQueries,
    FaceCheckQueries,
    AuditQueries,
    AppealQueries,
):
    pass


@strawberry.type(description="Everything you can change. Each mutation is one transaction.")
class Mutation(
    SessionMutations,
    AccountMutations,
    ExtendedInfoMutations,
    AgentMutations,
    ConfirmationMutations,
    ClientMutations,
    ConsentMutations,
    ChallengeMutations,
    VerificationMutations,
    FaceCheckMutations,
    JobMutations,
    PasswordResetMutations,
    AppealMutations,
    ActivationMutations,
):
    pass


_ENTITIES = frozenset({"Account", "NaturalPerson", "Enterprise"})


class IdentitySchema(strawberry.federation.Schema):
    async def entities_resolver(  # type: ignore[override]
        self,
        info: Info,
        representations: Annotated[
            list[FederationAny],
            strawberry.argument(
                description="Entity references, each `{__typename, id}` (an `Enterprise`"
                " also by `uscc`); at most `IDG_GRAPHQL_MAX_REPRESENTATIONS` per call.",
                metadata={RULE: InputRule(per_item=True)},
            ),
        ],
    ) -> list[FederationAny]:
        """``_entities``, gated by ``core/federation.py`` (bounded, anonymous callers
        rate-limited); representations naming one of our entity types are resolved, any
        other (not an object, no or another ``__typename``) is a typed error in its place,
        which strawberry would turn into a ``KeyError``."""
        await admit_entities(info, len(representations))
        known = [_is_entity(item) for item in representations]
        valid = [item for item, ok in zip(representations, known, strict=True) if ok]
        # strawberry pops `__typename` off each representation it resolves.
        resolved = iter(super().entities_resolver(info, valid))
        refusal = info.context.t("REPRESENTATION_INVALID")
        answers: list[Any] = [
            next(resolved)
            if ok
            else GraphQLError(refusal, extensions={"code": "REPRESENTATION_INVALID"})
            for ok in known
        ]
        return answers

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only unexpected errors, by type and traceback: never the variables (PII).
        An outage is one warning line without a traceback: it is not a bug."""
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, (DomainError, GraphQLError)):
                continue
            if is_timeout(original):  # the caller's request was too expensive: not a bug
                log.warning("request cut off by its time budget in %s", error.path)
                continue
            dependency = unavailable(original)
            if dependency is not None:
                log.warning(
                    "dependency unavailable",
                    extra={"dependency": dependency, "error": type(original).__name__},
                )
                continue
            log.error("unexpected error in %s", error.path, exc_info=original)


def _is_entity(representation: Any) -> bool:
    """An object naming one of our entity types whose strings the input guard accepts
    (short, no control characters)."""
    return (
        isinstance(representation, dict)
        and representation.get("__typename") in _ENTITIES
        and not json_errors(representation, "representations")
    )


_BUILT: dict[tuple[object, ...], IdentitySchema] = {}


def build_schema(settings: Settings) -> IdentitySchema:
    """The schema for these limits, built once per process: building it walks every type
    (about 0.1 s), and a test run or an embedding host creates many apps with the same
    settings. The key holds every setting the schema and its extensions read."""
    key = (
        settings.graphql_document_cache,
        settings.graphql_max_batch,
        settings.graphql_max_depth,
        settings.graphql_max_aliases,
        settings.graphql_max_complexity,
        settings.graphql_max_tokens,
        settings.graphql_introspection,
    )
    if key not in _BUILT:
        _BUILT[key] = _build_schema(settings)
    return _BUILT[key]


def _build_schema(settings: Settings) -> IdentitySchema:
    size = settings.graphql_document_cache
    extensions: list[Callable[[], SchemaExtension]] = [
        # Clients send the same few documents again and again: parse and validate each
        # once per process (LRU caches shared by every request; see limits.py).
        lambda: ParserCache(maxsize=size),
        *limit_extensions(settings),
        OperationMetrics,
    ]
    schema = IdentitySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Account, NaturalPerson, Enterprise],
        extensions=extensions,
        config=StrawberryConfig(batching_config={"max_operations": settings.graphql_max_batch}),
        federation_version="2.11",
    )
    # Arguments are checked once, at the edge, before any resolver (graphql/input_rules.py).
    guard_arguments(schema._schema)
    gate_sdl(schema._schema)
    describe_inputs(schema._schema)
    return schema
