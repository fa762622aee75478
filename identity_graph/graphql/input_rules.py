"""What an argument may carry: rules declared once on each input, and the one guard that
enforces them before any resolver runs (SPEC §9, §11).

Every ``String`` input field and argument declares its longest value with
``metadata=text(max_length)``; a field of a partial update that an explicit ``null`` may
clear says so with ``clearable``. ``guard_arguments`` wraps the resolver of every field that
takes arguments and walks the arguments as graphql-core coerced them, so variables and
inline literals are checked alike. Surrounding whitespace is padding that the domain's
cleaning trims (a pasted line break, a tab), so it is not counted. The guard refuses,
naming the field by its input path:

* control characters (``CONTROL_CHARACTERS``): PostgreSQL refuses NUL, and no name, number
  or code holds a control character or a lone surrogate; multi-line free text keeps its
  line breaks and tabs;
* a value longer than declared (``TOO_LONG``);
* an explicit ``null`` on a field that cannot be cleared (``REQUIRED``);
* an ``Upload`` argument that is not a file (``FILE_EXPECTED``), e.g. a string in JSON.

A field whose result union lists ``ValidationErrors`` answers one with every field at fault;
any other field answers a top-level error with ``extensions.code`` and ``extensions.field``.
Either way no service runs: nothing is written, and no raw value reaches a log. A schema
with an undeclared ``String`` input does not build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    default_field_resolver,
    get_named_type,
    get_nullable_type,
    is_non_null_type,
)
from starlette.datastructures import UploadFile

from identity_graph.core.errors import FieldError, ValidationFailed
from identity_graph.core.validators import has_control_characters
from identity_graph.graphql.errors import as_graphql_error, to_error_type

RULE = "identity_graph.input_rule"
_BACKREF = "strawberry-definition"
# Lists are bounded too: no input legitimately carries more items than this.
MAX_ITEMS = 100


@dataclass(frozen=True)
class InputRule:
    """What one input field or argument accepts beyond its GraphQL type."""

    max_length: int | None = None
    multiline: bool = False
    clearable: bool = False
    max_items: int = MAX_ITEMS
    # An input object whose fields are named without its own name.
    unprefixed: bool = False
    # The resolver checks each item itself (``json_errors``), so that one bad item is an
    # error in its place rather than a refusal of the whole field (federation
    # representations, bounded by their own setting).
    per_item: bool = False


# Opaque identifiers (UUIDs, cursors) and the strings inside federation representations.
_ID = InputRule(max_length=100)
_ANY = InputRule(max_length=200)
_NONE = InputRule()


def text(max_length: int, *, multiline: bool = False, clearable: bool = False) -> dict[str, Any]:
    """Metadata for a ``String`` input: its longest value; ``multiline`` keeps line breaks."""
    return {RULE: InputRule(max_length=max_length, multiline=multiline, clearable=clearable)}


def clearable() -> dict[str, Any]:
    """Metadata for a non-text field of a partial update that ``null`` clears."""
    return {RULE: InputRule(clearable=True)}


def unprefixed() -> dict[str, Any]:
    """Metadata for an input object field whose fields the domain names without its name
    (``realName`` rather than ``person.realName``)."""
    return {RULE: InputRule(unprefixed=True)}


def guard_arguments(schema: GraphQLSchema) -> None:
    """Install the guard on every field that takes arguments (see the module docstring)."""
    undeclared = sorted(_undeclared(schema))
    if undeclared:
        raise TypeError(f"String inputs without a declared max length: {undeclared}")
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for field in type_.fields.values():
                if field.args:
                    field.resolve = _guarded(field)


def argument_errors(field: GraphQLField, arguments: Mapping[str, Any]) -> list[FieldError]:
    """Every refusal for these coerced arguments of ``field``, in declaration order."""
    errors: list[FieldError] = []
    for name, argument in field.args.items():
        if name not in arguments or _rule(argument).per_item:
            continue
        # An `input` object's fields are named without the argument: `credentials.phone`.
        is_object = isinstance(get_nullable_type(argument.type), GraphQLInputObjectType)
        errors.extend(
            _walk(argument.type, arguments[name], "" if is_object else name, _rule(argument))
        )
    return errors


def _guarded(field: GraphQLField) -> Callable[..., Any]:
    resolve = field.resolve or default_field_resolver
    named = get_named_type(field.type)
    typed = isinstance(named, GraphQLUnionType) and any(
        member.name == "ValidationErrors" for member in named.types
    )

    def guarded(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        errors = argument_errors(field, arguments)
        if not errors:
            return resolve(source, info, **arguments)
        refusal = ValidationFailed(errors)
        if typed:
            return to_error_type(info, refusal)  # type: ignore[arg-type]
        raise as_graphql_error(info, refusal)  # type: ignore[arg-type]

    return guarded


def _walk(type_: GraphQLInputType, value: Any, path: str, rule: InputRule) -> Iterator[FieldError]:
    if value is None:
        return
    type_ = get_nullable_type(type_)  # type: ignore[assignment]
    if isinstance(type_, GraphQLList):
        if len(value) > rule.max_items:
            yield FieldError(path, "TOO_MANY_ITEMS", {"max": rule.max_items})
            return
        for item in value:
            yield from _walk(type_.of_type, item, path, rule)
    elif isinstance(type_, GraphQLInputObjectType):
        for name, field in type_.fields.items():
            if name not in value:
                continue
            inner = f"{path}.{name}" if path else name
            rule = _rule(field)
            if value[name] is None and _refuses_null(field):
                yield FieldError(inner, "REQUIRED")
            else:
                yield from _walk(field.type, value[name], path if rule.unprefixed else inner, rule)
    elif isinstance(type_, GraphQLScalarType):
        yield from _scalar(type_.name, value, path, rule)


def _scalar(name: str, value: Any, path: str, rule: InputRule) -> Iterator[FieldError]:
    if name == "Upload":
        if not isinstance(value, UploadFile):
            yield FieldError(path, "FILE_EXPECTED")
    elif name == "_Any":
        yield from _json(value, path)
    elif name in ("String", "ID") and isinstance(value, str):
        yield from _text(value, path, rule if name == "String" else _ID)


def _text(value: str, path: str, rule: InputRule) -> Iterator[FieldError]:
    # Surrounding whitespace (a pasted line break or tab) is padding the domain trims.
    text = value.strip()
    if has_control_characters(text, multiline=rule.multiline):
        yield FieldError(path, "CONTROL_CHARACTERS")
    elif rule.max_length is not None and len(text) > rule.max_length:
        yield FieldError(path, "TOO_LONG", {"max": rule.max_length})


def _json(value: Any, path: str) -> Iterator[FieldError]:
    """Strings anywhere inside a free-form JSON value (federation representations)."""
    if isinstance(value, str):
        yield from _text(value, path, _ANY)
    elif isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            yield FieldError(path, "TOO_MANY_ITEMS", {"max": MAX_ITEMS})
            return
        for key, item in value.items():
            yield from _json(key, path)
            yield from _json(item, path)
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            yield FieldError(path, "TOO_MANY_ITEMS", {"max": MAX_ITEMS})
            return
        for item in value:
            yield from _json(item, path)


def json_errors(value: Any, path: str) -> list[FieldError]:
    """What the guard would refuse in one free-form JSON value (a representation)."""
    return list(_json(value, path))


def _rule(definition: GraphQLArgument | GraphQLInputField) -> InputRule:
    source = (definition.extensions or {}).get(_BACKREF)
    metadata = getattr(source, "metadata", None) or {}
    rule = metadata.get(RULE)
    return rule if isinstance(rule, InputRule) else _NONE


def _refuses_null(field: GraphQLInputField) -> bool:
    """A nullable field without a default belongs to a partial update: absent leaves it,
    ``null`` clears it, and only a field declared clearable may be cleared. Fields with a
    default (usually ``null``) are plain optional fields."""
    if is_non_null_type(field.type) or field.default_value is not Undefined:
        return False
    return not _rule(field).clearable


def _undeclared(schema: GraphQLSchema) -> Iterator[str]:
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType):
            for field_name, field in type_.fields.items():
                for name, argument in field.args.items():
                    if _needs_length(argument) and _rule(argument).max_length is None:
                        yield f"{type_.name}.{field_name}({name})"
        elif isinstance(type_, GraphQLInputObjectType):
            for name, input_field in type_.fields.items():
                if _needs_length(input_field) and _rule(input_field).max_length is None:
                    yield f"{type_.name}.{name}"


def _needs_length(definition: GraphQLArgument | GraphQLInputField) -> bool:
    return get_named_type(definition.type).name == "String"
