"""Documents and steps shared by the confirmation tests: a partner back-end, two verified
residents from the sandbox registry (张伟, 李娜), a filing naming both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from identity_graph.container import Container, TestHooks
from tests.agents.flows import LI_NA, verified
from tests.graphql.accounts_helpers import ERRORS
from tests.oauth.helpers import backend_client
from tests.verification.flows import ZHANG_WEI, resident

PERSON_VIEW = "id title reference role state summary evidence createdAt expiresAt"
REQUEST_VIEW = (
    "id reference title state createdAt expiresAt finishedAt"
    " persons { position role name idNumber state decidedAt declineReason evidence }"
)

CREATE = (
    "mutation C($input: CreateTransactionConfirmationInput!) {"
    " createTransactionConfirmation(input: $input) { __typename"
    " ... on TransactionConfirmation { " + REQUEST_VIEW + " }" + ERRORS + " } }"
)
PARTNER_VIEW = "query P($id: ID!) { transactionConfirmation(id: $id) { " + REQUEST_VIEW + " } }"
MY_TODOS = "{ myTransactionConfirmations { " + PERSON_VIEW + " } }"
OPEN = (
    "mutation O($item: ID!, $face: ID!) { openTransactionItem(itemId: $item,"
    " faceCheckId: $face) { __typename ... on TransactionTodo { "
    + PERSON_VIEW
    + " }"
    + ERRORS
    + " } }"
)
CONFIRM = (
    "mutation F($item: ID!, $face: ID!, $signature: ID) { confirmTransaction(itemId: $item,"
    " faceCheckId: $face, signatureDocumentId: $signature) { __typename"
    " ... on TransactionTodo { " + PERSON_VIEW + " }" + ERRORS + " } }"
)
DECLINE = (
    "mutation D($item: ID!, $reason: String!) { declineTransaction(itemId: $item,"
    " reason: $reason) { __typename ... on TransactionTodo { "
    + PERSON_VIEW
    + " }"
    + ERRORS
    + " } }"
)


@dataclass
class Partner:
    client_id: str
    client_secret: str


async def partner(container: Container) -> Partner:
    registered = await backend_client(container, name="河南省全程电子化服务平台")
    assert registered.secret is not None
    return Partner(registered.client.client_id, registered.secret)


async def persons_with_accounts(
    gql: Any, hooks: TestHooks, container: Container
) -> tuple[str, str]:
    """Tokens of two verified residents: 张伟 and 李娜."""
    zhang = await resident(gql, hooks, container, ZHANG_WEI)
    await verified(gql, hooks, zhang, person=ZHANG_WEI)
    li = await resident(gql, hooks, container, LI_NA, phone="13812340001", loginName="lina2026")
    await verified(gql, hooks, li, person=LI_NA)
    return zhang, li


def filing(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "reference": "REG-2026-0001",
        "title": "郑州示例科技有限公司设立登记",
        "summary": "设立登记：郑州示例科技有限公司，注册资本 100 万元，股东张伟、李娜。",
        "persons": [
            {
                "name": ZHANG_WEI["realName"],
                "idType": "RESIDENT_ID_CARD",
                "idNumber": ZHANG_WEI["idNumber"],
                "role": "法定代表人",
            },
            {
                "name": LI_NA["realName"],
                "idType": "RESIDENT_ID_CARD",
                "idNumber": LI_NA["idNumber"],
                "role": "股东",
            },
        ],
    }
    values.update(overrides)
    return values
