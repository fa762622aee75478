"""Messages name fields and enum members by their labels in the caller's language, never
by code name (issue 14: "修改idNumber可能…", "不一致（idValidFrom）", "请上传ID_BACK",
"（proxy）"): the catalogs spell no code name, every name a message can name has a label
in both languages, and the answers users get over GraphQL show labels."""

from __future__ import annotations

import re

import pytest

from identity_graph.container import Container
from identity_graph.core.labels import LABELS, Named
from identity_graph.files.service import DocumentKind
from identity_graph.notifications.templates import PURPOSE_NAMES, TEMPLATES
from identity_graph.verification.providers.base import PERSON_FIELDS, UNIT_FIELDS
from identity_graph.verification.rules import PERSON_REVERIFY, UNIT_REVERIFY
from identity_graph.web.pages import TEXTS
from tests.files import samples
from tests.verification.flows import (
    SUBMIT_REVIEW,
    XINGQIAO,
    ZHANG_WEI,
    enterprise,
    my_verification,
    resident,
    submit,
    upload,
)
from tests.verification.test_reverification import UPDATE, verified

# camelCase / dotted input paths, UPPER_SNAKE codes and snake_case enum values.
CODE_NAME = re.compile(
    r"(?<![A-Za-z0-9_.])"
    r"(?:[a-z]+[A-Z][A-Za-z]*(?:\.[a-z]+[A-Za-z]*)?|[A-Z]+_[A-Z_]+|[a-z]+_[a-z_]+)"
    r"(?![A-Za-z0-9_])"
)
# Every name a message can name: registry mismatches, re-verification fields, documents.
NAMEABLE = {*PERSON_FIELDS, *UNIT_FIELDS, *PERSON_REVERIFY, *UNIT_REVERIFY, *DocumentKind}


def test_the_scan_catches_code_names():
    assert CODE_NAME.findall("修改idNumber可能") == ["idNumber"]
    assert CODE_NAME.findall("请上传ID_BACK") == ["ID_BACK"]
    assert CODE_NAME.findall("the client_credentials grant") == ["client_credentials"]
    assert CODE_NAME.findall("legalRepresentative.idNumber") == ["legalRepresentative.idNumber"]
    assert CODE_NAME.findall("证件号码（{fields}） in {max} characters") == []


def test_no_catalog_message_spells_a_code_name(settings):
    translate = Container(settings).translate
    catalogs = {**translate._messages, **TEXTS, **TEMPLATES, **PURPOSE_NAMES}
    found = {}
    for code, pair in catalogs.items():
        for template in pair:
            names = CODE_NAME.findall(re.sub(r"\{[^}]*\}", "", template))
            if names:
                found[code] = names
    assert found == {}


def test_every_nameable_field_and_enum_has_a_label_in_both_languages():
    missing = sorted(name for name in NAMEABLE if name not in LABELS)
    assert missing == []
    for name in NAMEABLE:
        chinese, english = LABELS[name]
        assert chinese and english and chinese != english, name
        assert not CODE_NAME.findall(chinese + " " + english), name


def test_named_parameters_are_shown_by_label_and_stay_codes_as_strings(settings):
    translate = Container(settings).translate
    fields = Named("realName", "idValidFrom")

    assert fields == "realName, idValidFrom"  # stored and serialised as the codes
    assert (
        translate("REGISTRY_MISMATCH", fields=fields)
        == "国家平台核验信息不一致（姓名、证件有效期起始日期）"
    )
    assert "(name, date the ID document is valid from)" in translate(
        "REGISTRY_MISMATCH", "en", fields=fields
    )


@pytest.mark.postgres
async def test_a_registry_mismatch_names_the_field_by_its_label(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    proxy = {"idType": "RESIDENT_ID_CARD", "idNumber": "320102199007210048"}
    await submit(gql, hooks, token, unit={**XINGQIAO, "proxy": proxy})

    chinese = (await my_verification(gql, token))["currentCase"]["failureReason"]
    body = await gql(
        "{ myVerification { currentCase { failureReason failureFields } } }",
        token=token,
        language="en",
    )
    case = body["data"]["myVerification"]["currentCase"]

    assert chinese == "国家平台核验信息不一致（经办人与单位的关联）"
    assert (
        case["failureReason"]
        == "the national platform's records differ (the agent's link to the unit)"
    )
    assert case["failureFields"] == ["proxy"]  # the code stays for clients to switch on


@pytest.mark.postgres
async def test_a_person_mismatch_on_the_name(gql, hooks, container):
    token = await resident(gql, hooks, container, ZHANG_WEI)

    await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})

    reason = (await my_verification(gql, token))["currentCase"]["failureReason"]
    assert reason == "国家平台核验信息不一致（姓名）"


@pytest.mark.postgres
async def test_the_reverification_question_names_the_field_by_its_label(gql, hooks, container):
    token = await verified(gql, hooks, container)
    change = {"input": {"idNumber": "110108197906150093"}}

    chinese = (await gql(UPDATE, change, token=token))["data"]["updateNaturalPerson"]
    english = (await gql(UPDATE, change, token=token, language="en"))["data"]["updateNaturalPerson"]

    assert chinese["message"] == "账号已实名认证，修改证件号码可能重新进行实名认证，请确认后再提交"
    assert "changing ID number may re-run" in english["message"]
    assert chinese["fields"] == ["idNumber"]


@pytest.mark.postgres
async def test_a_missing_document_is_named_by_its_label(gql, hooks, container, client):
    passport = {
        "realName": "John Smith",
        "regionType": "OTHER",
        "idType": "FOREIGN_PASSPORT",
        "idNumber": "E12345678",
        "idValidFrom": "2020-01-01",
        "idValidUntil": "2030-01-01",
    }
    token = await resident(gql, hooks, container, passport)
    await submit(gql, hooks, token, person=passport)
    front = await upload(client, token, "ID_FRONT", samples.png())
    review = {"input": {"documentIds": [front["document"]["id"]]}}

    chinese = (await gql(SUBMIT_REVIEW, review, token=token))["data"]["submitManualReview"]
    english = (await gql(SUBMIT_REVIEW, review, token=token, language="en"))["data"][
        "submitManualReview"
    ]

    assert chinese["errors"][0]["message"] == "请上传证件背面照片"
    assert english["errors"][0]["message"] == "Please upload the back of the ID document"


@pytest.mark.postgres
async def test_a_page_refusal_names_a_form_field_by_its_label(client):
    form = {"step": "details", "legalRepresentative.name": "张\x01三"}

    chinese = await client.post("/register?kind=enterprise", data=form)
    english = await client.post("/register?kind=enterprise&lang=en", data=form)

    assert chinese.status_code == 400
    assert "“法定代表人姓名”包含不允许的控制字符" in chinese.text
    assert "legalRepresentative" not in chinese.text
    assert "legal representative&#39;s name: Contains control characters" in english.text
