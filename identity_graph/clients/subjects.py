"""The ``sub`` a client sees (OIDC Core §8): the account id, or for pairwise clients a keyed
hash of the account id and the client's sector, so that clients of different sectors
cannot correlate the same person by ``sub``.

The sector is the host of the client's first redirect URI (OIDC Core §8.1) unless an
operator set one; clients of one organisation share a sector by naming it.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from identity_graph.clients.models import OAuthClient
from identity_graph.core.secrets import SecretHasher

PUBLIC = "public"
PAIRWISE = "pairwise"


def sector_of(client: OAuthClient) -> str:
    if client.sector_identifier:
        return client.sector_identifier
    uris = client.redirect_uris or []
    return (urlsplit(uris[0]).hostname or client.client_id) if uris else client.client_id


class Subjects:
    def __init__(self, hasher: SecretHasher) -> None:
        self._hasher = hasher

    def for_client(self, client: OAuthClient | None, account_id: uuid.UUID) -> str:
        if client is None or client.subject_type != PAIRWISE:
            return str(account_id)
        return self._hasher.digest("pairwise-sub", f"{sector_of(client)}\x1f{account_id}")
