"""Extended information (拓展信息, seed 004 §四): the unit changes it without re-verification;
each change is an info update record; bad values are field errors and nothing is written."""

from __future__ import annotations

from tests.verification.flows import XINGQIAO, ZHANG_WEI, enterprise, resident

UPDATE = """
mutation U($input: UpdateEnterpriseExtendedInfoInput!) {
  updateEnterpriseExtendedInfo(input: $input) {
    __typename
    ... on EnterpriseExtendedInfo { registeredCapital registrationDate businessScope
                                    enterpriseState approvingAuthority }
    ... on ValidationErrors { errors { field code message } }
    ... on UserError { code message }
  }
}
"""
READ = "{ me { enterprise { extendedInfo { registeredCapital enterpriseState businessScope } } } }"
RECORDS = (
    "{ infoUpdateRecords(first: 5) { edges { node { changes { field oldValue newValue } } } } }"
)


async def test_the_unit_keeps_its_extended_information(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    saved = await gql(
        UPDATE,
        {
            "input": {
                "registeredCapital": "1000万元人民币",
                "registrationDate": "2014-05-20",
                "businessScope": "技术开发、技术咨询",
                "enterpriseState": "OPERATING",
                "approvingAuthority": "北京市海淀区市场监督管理局",
            }
        },
        token=token,
    )
    result = saved["data"]["updateEnterpriseExtendedInfo"]
    assert result["registeredCapital"] == "1000万元人民币"
    assert result["enterpriseState"] == "OPERATING"
    read = await gql(READ, token=token)
    assert read["data"]["me"]["enterprise"]["extendedInfo"]["businessScope"] == "技术开发、技术咨询"
    records = await gql(RECORDS, token=token)
    fields = {
        c["field"] for c in records["data"]["infoUpdateRecords"]["edges"][0]["node"]["changes"]
    }
    assert {"registeredCapital", "enterpriseState"} <= fields

    cleared = await gql(UPDATE, {"input": {"businessScope": None}}, token=token)
    assert cleared["data"]["updateEnterpriseExtendedInfo"]["businessScope"] is None


async def test_bad_values_are_field_errors_and_nothing_is_written(gql, hooks, container):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    bad = await gql(
        UPDATE,
        {
            "input": {
                "registrationDate": "2099-01-01",
                "businessScope": "x" * 2001,
                "registeredCapital": "500万元",
            }
        },
        token=token,
        language="en",
    )
    errors = bad["data"]["updateEnterpriseExtendedInfo"]["errors"]
    # Over-long text is refused at the edge, before the service looks at the date.
    assert {(e["field"], e["code"]) for e in errors} == {("businessScope", "TOO_LONG")}
    future = await gql(
        UPDATE,
        {"input": {"registrationDate": "2099-01-01", "registeredCapital": "500万元"}},
        token=token,
    )
    assert [
        (e["field"], e["code"]) for e in future["data"]["updateEnterpriseExtendedInfo"]["errors"]
    ] == [("registrationDate", "DATE_IN_FUTURE")]
    read = await gql(READ, token=token)
    assert read["data"]["me"]["enterprise"]["extendedInfo"]["registeredCapital"] is None
    nothing = await gql(UPDATE, {"input": {}}, token=token)
    assert nothing["data"]["updateEnterpriseExtendedInfo"]["code"] == "NOTHING_TO_CHANGE"
    person = await resident(gql, hooks, container, ZHANG_WEI)
    refused = await gql(UPDATE, {"input": {"registeredCapital": "1"}}, token=person)
    assert refused["data"]["updateEnterpriseExtendedInfo"]["code"] == "WRONG_ACCOUNT_KIND"
