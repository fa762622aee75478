"""Two ``completePasswordReset`` with one code at the same time: exactly one wins, the
other is told the code was used, and the password is the winner's."""

from __future__ import annotations

import asyncio

from identity_graph.accounts.models import PasswordCredential
from tests.graphql.accounts_helpers import register_person
from tests.recovery.reset_helpers import complete, field_codes, received_code, start_person


async def test_one_code_one_winner(gql, hooks, container):
    await register_person(gql, hooks, container)
    started = await start_person(gql, hooks)
    code = await received_code(container, "13812345678")
    passwords = ["First#Winner2027", "Second#Winner2027"]

    results = await asyncio.gather(
        *(complete(gql, started["flowId"], code, newPassword=password) for password in passwords)
    )

    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["PasswordResetCompleted", "ValidationErrors"], results
    loser = next(result for result in results if result["__typename"] == "ValidationErrors")
    assert field_codes(loser) == [("code", "RESET_CODE_USED")]
    winner = passwords[results.index(next(r for r in results if r is not loser))]
    stored = await PasswordCredential.get(account__login_name="zhangsan")
    assert await container.passwords.verify(stored.hash, winner)
