"""The GraphQL argument guard (``graphql/input_rules.py``): control characters, over-long
values, explicit nulls and non-file uploads are typed field errors before any resolver.

The class is tested over the whole schema (every String input declares a ceiling and is
held to it, every partial-update field refuses ``null`` unless declared clearable), then
the instances found by the security review over HTTP on both databases.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLObjectType,
    Undefined,
    get_named_type,
    get_nullable_type,
    is_non_null_type,
)

from identity_graph.accounts.models import NaturalPerson
from identity_graph.graphql.input_rules import _rule, argument_errors, guard_arguments
from identity_graph.graphql.schema import build_schema
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import ERRORS, PERSON_ID, login
from tests.graphql.test_update_profile import record_count, resident, update_person

SCHEMA = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
CJK = re.compile(r"[\u3400-\u9fff]")


def string_inputs() -> Iterator[tuple[str, GraphQLField, dict[str, Any], Any, str]]:
    """Every String leaf reachable from an argument: (where, field, arguments builder path,
    rule, the field name an error gives)."""
    for type_name, type_ in SCHEMA.type_map.items():
        if not isinstance(type_, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in type_.fields.items():
            for arg_name, argument in field.args.items():
                is_object = isinstance(get_nullable_type(argument.type), GraphQLInputObjectType)
                start = "" if is_object else arg_name
                for keys, rule, label in _leaves(argument.type, [], argument, start):
                    yield f"{type_name}.{field_name}", field, {arg_name: keys}, rule, label


def _leaves(type_: Any, keys: list[str], definition: Any, label: str) -> Iterator[Any]:
    named = get_named_type(type_)
    if named.name == "String":
        listed = isinstance(get_nullable_type(type_), GraphQLList)
        yield [*keys, "[]"] if listed else keys, _rule(definition), label
    elif isinstance(named, GraphQLInputObjectType) and len(keys) < 4:
        listed = isinstance(get_nullable_type(type_), GraphQLList)  # e.g. a filing's persons
        here = [*keys, "[]"] if listed else keys
        for name, inner in named.fields.items():
            named_here = f"{label}.{name}" if label else name
            inner_label = label if _rule(inner).unprefixed else named_here
            yield from _leaves(inner.type, [*here, name], inner, inner_label)


def arguments_with(template: dict[str, list[str]], value: Any) -> dict[str, Any]:
    [(argument, keys)] = template.items()
    nested: Any = value
    for key in reversed(keys):
        nested = [nested] if key == "[]" else {key: nested}
    return {argument: nested}


def test_every_string_input_declares_a_ceiling_and_is_held_to_it():
    seen = 0
    for where, field, template, rule, label in string_inputs():
        assert rule.max_length, (where, label)
        seen += 1
        at_ceiling = "字" * rule.max_length
        assert argument_errors(field, arguments_with(template, at_ceiling)) == [], where
        over = argument_errors(field, arguments_with(template, at_ceiling + "字"))
        assert [(e.field, e.code, e.params) for e in over] == [
            (label, "TOO_LONG", {"max": rule.max_length})
        ], where
        for bad in ("a\x00b", "a\x1bb", "a\ud800b", "a\x85b"):
            refused = argument_errors(field, arguments_with(template, bad))
            assert [(e.field, e.code) for e in refused] == [(label, "CONTROL_CHARACTERS")], where
        # Surrounding whitespace is padding; line breaks inside only in multi-line text.
        assert argument_errors(field, arguments_with(template, "\tab\n")) == [], where
        inside = argument_errors(field, arguments_with(template, "a\nb"))
        assert (inside == []) is rule.multiline, where
    assert seen > 100


def test_the_review_notes_are_the_multi_line_inputs():
    multiline = {label for _, _, _, rule, label in string_inputs() if rule.multiline}
    # review notes, a filing's summary, an appeal's remark
    assert multiline == {"note", "summary", "remark"}


def test_explicit_null_clears_only_what_is_declared_clearable():
    clearable, refused = set(), set()
    for name, type_ in SCHEMA.type_map.items():
        if not isinstance(type_, GraphQLInputObjectType):
            continue
        for field_name, field in type_.fields.items():
            if is_non_null_type(field.type) or field.default_value is not Undefined:
                continue  # required, or optional with a default: null is not "clear"
            (clearable if _rule(field).clearable else refused).add(f"{name}.{field_name}")
    assert refused == {
        "UpdateNaturalPersonInput.realName",
        "UpdateNaturalPersonInput.regionType",
        "UpdateNaturalPersonInput.idType",
        "UpdateNaturalPersonInput.idNumber",
        "UpdateNaturalPersonInput.idLongTerm",
        "UpdateEnterpriseInput.address",
        "UpdateEnterpriseInput.unitName",
        "UpdateEnterpriseInput.uscc",
        "UpdateEnterpriseInput.legalRepresentativeName",
        "UpdateEnterpriseInput.legalRepresentativeIdType",
        "UpdateEnterpriseInput.legalRepresentativeIdNumber",
        "UpdateEnterpriseInput.regionType",
        "UpdateEnterpriseInput.legalPersonType",
    }
    assert "UpdateNaturalPersonInput.email" in clearable
    update = SCHEMA.mutation_type.fields["updateNaturalPerson"]
    errors = argument_errors(update, {"input": {"realName": None, "email": None}})
    assert [(e.field, e.code) for e in errors] == [("realName", "REQUIRED")]


def test_a_schema_with_an_undeclared_string_input_does_not_build():
    @strawberry.type
    class Query:
        @strawberry.field
        def echo(self, text: str) -> str:
            return text

    with pytest.raises(TypeError, match=r"Query.echo\(text\)"):
        guard_arguments(strawberry.Schema(query=Query)._schema)


# --- over HTTP ---------------------------------------------------------------------------

REVOKE = (
    "mutation Revoke($clientId: String!) { revokeConsent(clientId: $clientId) {"
    " __typename ... on ConsentRevoked { clientId }" + ERRORS + "} }"
)
UPLOAD = (
    "mutation Upload($file: Upload!) { uploadDocument(kind: ID_FRONT, file: $file) {"
    " __typename" + ERRORS + "} }"
)


def refusal(result: dict[str, Any]) -> list[tuple[str, str]]:
    assert result["__typename"] == "ValidationErrors", result
    return [(error["field"], error["code"]) for error in result["errors"]]


@pytest.mark.postgres
async def test_a_nul_in_login_is_a_field_error_in_both_languages(gql, hooks, container):
    await resident(gql, hooks, container)
    zh = await login(gql, "NATURAL_PERSON", "zhang\x00san")
    en = await login(gql, "NATURAL_PERSON", "zhang\x00san", language="en")
    assert refusal(zh) == refusal(en) == [("identifier", "CONTROL_CHARACTERS")]
    assert CJK.search(zh["errors"][0]["message"])
    assert en["errors"][0]["message"] == "Contains control characters or invalid characters"
    assert (await login(gql, "NATURAL_PERSON", "zhangsan"))["__typename"] == "SessionTokens"


@pytest.mark.postgres
async def test_revoke_consent_refuses_a_nul_and_an_over_long_client_id_unlogged(
    gql, hooks, container, caplog
):
    _, token = await resident(gql, hooks, container)
    caplog.set_level(logging.DEBUG)
    long_id = "idg-" + "q" * 80
    for client_id, code in ((long_id, "TOO_LONG"), ("idg\x00x", "CONTROL_CHARACTERS")):
        body = await gql(REVOKE, {"clientId": client_id}, token=token)
        assert refusal(body["data"]["revokeConsent"]) == [("clientId", code)]
    assert all(long_id not in record.getMessage() for record in caplog.records)
    assert all(record.levelno < logging.ERROR for record in caplog.records)


@pytest.mark.postgres
async def test_an_upload_sent_as_json_is_a_field_error(gql, hooks, container):
    _, token = await resident(gql, hooks, container)
    for value in ("", "data:image/png;base64,AAAA", 42):
        body = await gql(UPLOAD, {"file": value}, token=token)
        assert refusal(body["data"]["uploadDocument"]) == [("file", "FILE_EXPECTED")]
    literal = await gql(
        'mutation { uploadDocument(kind: ID_FRONT, file: "") { __typename' + ERRORS + "} }",
        token=token,
    )
    assert refusal(literal["data"]["uploadDocument"]) == [("file", "FILE_EXPECTED")]


@pytest.mark.postgres
async def test_explicit_null_on_identity_fields_changes_nothing(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    refused = await update_person(gql, token, realName=None, idNumber=None, occupation="教师")
    assert sorted(refusal(refused)) == [("idNumber", "REQUIRED"), ("realName", "REQUIRED")]
    assert await record_count(account_id) == 0
    person = await NaturalPerson.get(id=uuid.UUID(account_id))
    assert person.occupation is None
    # A clearable field is cleared by null.
    cleared = await update_person(gql, token, address=None)
    assert cleared["__typename"] == "NaturalPersonUpdated", cleared
    assert cleared["naturalPerson"]["address"] is None
    assert cleared["naturalPerson"]["idNumber"].startswith(PERSON_ID[:4])


@pytest.mark.postgres
async def test_null_on_a_required_field_names_the_field(gql, db):
    body = await gql(
        "mutation($input: LoginInput!) { login(input: $input) { __typename } }",
        {"input": {"kind": "NATURAL_PERSON", "identifier": None, "password": "x"}},
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VARIABLE_INVALID"
    assert error["extensions"]["field"] == "identifier"
