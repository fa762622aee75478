"""A real-name submission answered VERIFIED costs at most 8 database queries (issue 16: the
reads, which were 10 here and ~27 before the `me` treatment), counted over HTTP with the
bench's document (status, level, current case). The writes (captcha, case, account pointer,
jobs, audit, attempt, notice) are pinned too, so none creeps in unnoticed. Identity data
waits on the case as a sealed proposal until it verifies (issue 12), which costs the proposal's
claim (one write), the account and person read back when it is written, and the check that
no other account holds the proposed ID number (one read, since the profile is written later)."""

from __future__ import annotations

import pytest

from identity_graph.accounts import pledge
from tests.agents.test_agents_queries import counted
from tests.graphql.helpers import solved_captcha
from tests.verification.flows import ZHANG_WEI, resident

pytestmark = pytest.mark.postgres

SUBMIT = (
    "mutation Submit($input: SubmitRealNameVerificationInput!) { "
    "submitRealNameVerification(input: $input) { __typename "
    "... on VerificationSubmitted { verification { status level currentCase { id status } } } "
    "... on ValidationErrors { code errors { field code } } } }"
)
READS = 8
STATEMENTS = 20


async def test_a_submission_costs_at_most_eight_statements(gql, hooks, container):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    captcha_id, answer = await solved_captcha(gql, hooks)
    variables = {
        "input": {
            "person": ZHANG_WEI,
            "captchaId": captcha_id,
            "captchaAnswer": answer,
            "pledgeAccepted": True,
            "pledgeVersion": pledge.CURRENT.version,
        }
    }
    with counted() as statements:
        body = await gql(SUBMIT, variables, token=token)
    result = body["data"]["submitRealNameVerification"]
    assert result["verification"]["status"] == "VERIFIED", body
    assert result["verification"]["level"] == "REAL_NAME"
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    writes = len(statements) - len(reads)
    print(f"{len(statements)} statements ({len(reads)} reads, {writes} writes)")
    for statement in statements:
        print("  ", " ".join(statement.split())[:160])
    assert len(reads) <= READS, reads
    assert len(statements) <= STATEMENTS, statements
