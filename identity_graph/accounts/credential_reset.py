"""The account side of a password reset (SPEC §5): replace the password and lift a lock.

Owned by the accounts domain because it writes ``password_credentials`` and ``accounts``;
the reset flow (``recovery/reset.py``) decides when, after the code is proved. Call it in
the flow's transaction, so the flow's claim and the new password commit together.
"""

from __future__ import annotations

import uuid

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account, PasswordCredential
from identity_graph.core.clock import Clock


class CredentialReset:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def replace_password(self, account_id: uuid.UUID, hashed: str) -> bool:
        """Store ``hashed`` as the password; a locked account becomes active again (a
        reset proves control of the reserved phone or e-mail, which is what a lock asks
        for). Returns whether the account was unlocked."""
        now = self._clock.now()
        updated = await PasswordCredential.filter(account_id=account_id).update(
            hash=hashed, changed_at=now
        )
        if not updated:
            await PasswordCredential.create(account_id=account_id, hash=hashed, changed_at=now)
        unlocked = await Account.filter(id=account_id, status=AccountStatus.LOCKED).update(
            status=AccountStatus.ACTIVE, updated_at=now
        )
        if not unlocked:
            await Account.filter(id=account_id).update(updated_at=now)
        return bool(unlocked)
