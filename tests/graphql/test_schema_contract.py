"""What a client generator reads from the schema, read by introspection over HTTP: every
argument says what it takes, and ``code`` is the ``ErrorCode`` enum, holding every code the
service raises, so clients can switch on it."""

from __future__ import annotations

from tests.graphql.helpers import REQUEST_SMS_CODE
from tests.test_message_catalogs import raised_codes

ARGUMENTS = """
{ __schema { types { name kind fields { name args { name description } } } } }
"""
ERROR_CODE = """
{ __type(name: "ErrorCode") { kind enumValues { name } }
  userError: __type(name: "UserError") { fields { name type { ofType { name kind } } } } }
"""


async def test_every_argument_has_a_description(gql):
    types = (await gql(ARGUMENTS))["data"]["__schema"]["types"]
    arguments = [
        (f"{t['name']}.{field['name']}({arg['name']})", (arg["description"] or "").strip())
        for t in types
        if t["kind"] == "OBJECT" and not t["name"].startswith("__")
        for field in t["fields"] or []
        for arg in field["args"]
    ]
    assert len(arguments) > 80
    assert [name for name, description in arguments if not description] == []


async def test_codes_are_one_enum_holding_every_raised_code(gql):
    body = (await gql(ERROR_CODE))["data"]
    assert body["__type"]["kind"] == "ENUM"
    values = {value["name"] for value in body["__type"]["enumValues"]}
    assert raised_codes() <= values
    code = next(f for f in body["userError"]["fields"] if f["name"] == "code")
    assert code["type"]["ofType"] == {"name": "ErrorCode", "kind": "ENUM"}


async def test_a_typed_error_answers_an_enum_value(gql, db):
    body = await gql(
        REQUEST_SMS_CODE,
        {"input": {"purpose": "REGISTER", "phone": "123", "captchaId": "x", "captchaAnswer": "y"}},
    )
    result = body["data"]["requestSmsCode"]
    assert result["__typename"] == "ValidationErrors"
    codes = {result["code"], *(error["code"] for error in result["errors"])}
    values = {v["name"] for v in (await gql(ERROR_CODE))["data"]["__type"]["enumValues"]}
    assert codes <= values and "VALIDATION_FAILED" in codes


async def test_labels_say_what_went_wrong(gql):
    deep = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    body = await gql(deep, language="en")
    assert [(e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        ("INTROSPECTION_TOO_DEEP", "The introspection query is nested too deeply")
    ]
    unused = await gql("query($a: Int) { __typename }", language="en")
    assert [(e["extensions"]["code"], e["message"]) for e in unused["errors"]] == [
        ("VARIABLE_UNUSED", "A declared variable is never used")
    ]
