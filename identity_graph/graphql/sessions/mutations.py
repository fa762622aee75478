"""``login``, ``refreshSession`` and ``logout`` (SPEC §3): password login over GraphQL for
first-party clients; the OIDC provider serves partner sites."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from identity_graph.accounts.enums import AccountKind as DomainAccountKind
from identity_graph.core.errors import NotAuthorized
from identity_graph.graphql.accounts.types import Account
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    CaptchaRequiredError,
    LoginRefusedError,
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
    login_payload,
    payload,
)
from identity_graph.graphql.input_rules import text
from identity_graph.sessions.login import AgentIdentity, LoggedIn, PasswordLogin
from identity_graph.sessions.tokens import TokenPair


@strawberry.enum(description="Which login form: resident, legal person, or platform staff.")
class LoginKind(Enum):
    NATURAL_PERSON = strawberry.enum_value(
        "natural_person", description="Resident: login name or mobile number."
    )
    ENTERPRISE = strawberry.enum_value(
        "enterprise", description="Legal person: account name or credit code (USCC)."
    )
    STAFF = strawberry.enum_value("staff", description="Reviewer or operator: login name.")
    AGENT = strawberry.enum_value(
        "agent",
        description="Agent of a unit (经办人登录): the unit's account name or credit code as"
        " `identifier`, plus `agentPhone`, `agentIdNumber` and the agent password.",
    )


@strawberry.input(description="Password login. A captcha is required after any failure.")
class LoginInput:
    kind: LoginKind = strawberry.field(description="Which login form.")
    identifier: str = strawberry.field(
        metadata=text(64),
        description="Login name, mobile number (residents) or credit code (enterprises).",
    )
    password: str = strawberry.field(metadata=text(256), description="The password.")
    captcha_id: str | None = strawberry.field(
        metadata=text(64), default=None, description="`Captcha.id`."
    )
    captcha_answer: str | None = strawberry.field(
        metadata=text(16), default=None, description="Its answer."
    )
    agent_phone: str | None = strawberry.field(
        metadata=text(20),
        default=None,
        description="Agent login: the agent's reserved mobile number.",
    )
    agent_id_number: str | None = strawberry.field(
        metadata=text(64), default=None, description="Agent login: the agent's ID number."
    )


@strawberry.type(description="Tokens of a new or refreshed session. Keep the refresh token secret.")
class SessionTokens:
    access_token: str = strawberry.field(
        description="Send as `Authorization: Bearer …`; a signed JWT (ES256)."
    )
    token_type: str = strawberry.field(description="Always `Bearer`.")
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    refresh_token: str = strawberry.field(
        description="Single use: `refreshSession` returns a new one. Reusing an old one ends "
        "the session."
    )
    account: Account | None = strawberry.field(description="Who is logged in (login only).")

    @classmethod
    def from_pair(cls, pair: TokenPair, account: Account | None = None) -> SessionTokens:
        return cls(
            access_token=pair.access_token,
            token_type="Bearer",  # noqa: S106 - the RFC 6750 scheme name
            expires_in=pair.expires_in,
            refresh_token=pair.refresh_token,
            account=account,
        )


@strawberry.type(description="The session was ended; its tokens no longer work.")
class LoggedOut:
    ended: bool = strawberry.field(description="False when the session had already ended.")


_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused
LoginResult = Annotated[
    SessionTokens | _ERRORS | CaptchaRequiredError | LoginRefusedError,
    strawberry.union("LoginResult", description="A session, or why not."),
]
RefreshResult = Annotated[
    SessionTokens | _ERRORS,
    strawberry.union("RefreshResult", description="New tokens, or why not."),
]
LogoutResult = Annotated[
    LoggedOut | _ERRORS, strawberry.union("LogoutResult", description="Ended, or why not.")
]


@strawberry.type(description="The computer that showed the QR code is now logged in.")
class QrLoginApproved:
    approved: bool = strawberry.field(description="Always true.")


ApproveQrLoginResult = Annotated[
    QrLoginApproved | _ERRORS,
    strawberry.union("ApproveQrLoginResult", description="Approved, or why not."),
]


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        description="Log in with a password. Failures count per account and per address; "
        "after one, a captcha is required; after too many, the account is locked until "
        "`unlockAt`."
    )
    async def login(self, info: Info, input: LoginInput) -> LoginResult:
        context = info.context
        agent = input.kind is LoginKind.AGENT
        attempt = PasswordLogin(
            kind=DomainAccountKind.ENTERPRISE if agent else DomainAccountKind[input.kind.name],
            identifier=input.identifier,
            password=input.password,
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
            agent=AgentIdentity(input.agent_phone or "", input.agent_id_number or "")
            if agent
            else None,
        )

        def done(result: LoggedIn) -> SessionTokens:
            return SessionTokens.from_pair(
                result.tokens, Account.from_model(result.account, info, owner=True)
            )

        return await login_payload(info, context.services.login.login(attempt, context.audit), done)

    @strawberry.mutation(
        description="Trade a refresh token for a new pair (rotation; reuse ends the session)."
    )
    async def refresh_session(
        self,
        info: Info,
        refresh_token: Annotated[
            str,
            strawberry.argument(description="The refresh token of the pair.", metadata=text(512)),
        ],
    ) -> RefreshResult:
        call = info.context.services.tokens.refresh(refresh_token.strip())
        return await payload(info, call, SessionTokens.from_pair)

    @strawberry.mutation(
        description="From a logged-in app: approve the login shown as a QR code on a "
        "computer (扫码登录). `code` is the text the QR image encodes."
    )
    async def approve_qr_login(
        self,
        info: Info,
        code: Annotated[
            str,
            strawberry.argument(description="The text the QR image encodes.", metadata=text(256)),
        ],
    ) -> ApproveQrLoginResult:
        context = info.context

        async def call() -> None:
            viewer = context.viewer
            if viewer is None or viewer.account is None:
                raise NotAuthorized("NOT_AUTHENTICATED")
            await context.services.qr_logins.approve(viewer.account, code, context.audit)

        return await payload(info, call(), lambda _: QrLoginApproved(approved=True))

    @strawberry.mutation(description="End the current session (from its access token).")
    async def logout(self, info: Info) -> LogoutResult:
        context = info.context

        async def call() -> bool:
            viewer = context.viewer
            if viewer is None or viewer.session_id is None:
                raise NotAuthorized("NOT_AUTHENTICATED")
            # Ends the session everywhere: partner clients get back-channel logout tokens.
            return await context.services.logout.end_session(viewer.session_id, context.audit)

        return await payload(info, call(), lambda ended: LoggedOut(ended=ended))
