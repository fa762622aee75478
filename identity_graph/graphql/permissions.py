"""Field permissions. A refusal is a top-level GraphQL error with ``extensions.code``
(NOT_AUTHENTICATED or NOT_AUTHORIZED) and a message in the caller's language."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.models import Role
from identity_graph.graphql.context import Info


class IsAuthenticated(BasePermission):
    message = "NOT_AUTHENTICATED"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        self.error_extensions = {"code": "NOT_AUTHENTICATED"}
        self.message = info.context.t("NOT_AUTHENTICATED")
        return info.context.viewer is not None


class HasRole(BasePermission):
    """Base for role checks; anonymous callers get NOT_AUTHENTICATED, others NOT_AUTHORIZED."""

    role: ClassVar[Role]
    message = "NOT_AUTHORIZED"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        code = "NOT_AUTHENTICATED" if viewer is None else "NOT_AUTHORIZED"
        self.error_extensions = {"code": code}
        self.message = info.context.t(code)
        return viewer is not None and viewer.has_role(self.role)


class IsAdmin(HasRole):
    role = Role.ADMIN


class IsReviewer(HasRole):
    role = Role.REVIEWER


class IsVerified(BasePermission):
    """For business fields (SPEC §4.2): an unverified or failed principal is refused with
    VERIFICATION_REQUIRED and a message saying what to do next for its current status."""

    message = "VERIFICATION_REQUIRED"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        account = viewer.account if viewer is not None else None
        if account is None:
            self.error_extensions = {"code": "NOT_AUTHENTICATED"}
            self.message = info.context.t("NOT_AUTHENTICATED")
            return False
        status = account.verification_status
        self.error_extensions = {"code": "VERIFICATION_REQUIRED", "status": status.name}
        self.message = info.context.t(f"VERIFICATION_REQUIRED_{status.name}")
        return status.is_verified or account.kind is AccountKind.STAFF
