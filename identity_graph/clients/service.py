"""Client registration and look-up (SPEC §7). The secret is shown once, at registration or
rotation, and kept as a keyed hash: client secrets are high-entropy, so a keyed HMAC is as
strong as a password hash and costs microseconds on every token request (SPEC §13)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from identity_graph.clients.models import OAuthClient
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.core.validators import Checks, clean_text

SECRET_PURPOSE = "client-secret"
GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials"})
AUTH_METHODS = frozenset({"client_secret_basic", "client_secret_post", "none"})
SCOPES = frozenset({"openid", "profile", "phone", "email", "identity"})

MESSAGES = {
    "CLIENT_REDIRECT_URI_INVALID": (
        "回调地址须为完整的 https 地址（本机调试可用 http://127.0.0.1 或 localhost），不含片段",
        "Redirect URIs must be absolute https URLs (http only for 127.0.0.1 or localhost),"
        " without a fragment",
    ),
    "CLIENT_GRANT_TYPE_UNSUPPORTED": ("不支持的授权类型", "Unsupported grant type"),
    "CLIENT_AUTH_METHOD_UNSUPPORTED": ("不支持的客户端认证方式", "Unsupported auth method"),
    "CLIENT_SCOPE_UNSUPPORTED": ("不支持的授权范围", "Unsupported scope"),
    "CLIENT_PUBLIC_CANNOT_USE_CLIENT_CREDENTIALS": (
        "公开客户端不能使用客户端凭证模式",
        "A public client cannot use the client_credentials grant",
    ),
}


@dataclass(frozen=True)
class ClientRegistration:
    name: str
    grant_types: Sequence[str]
    token_endpoint_auth_method: str = "client_secret_basic"
    scopes: Sequence[str] = ("openid", "profile")
    redirect_uris: Sequence[str] = ()
    post_logout_redirect_uris: Sequence[str] = ()
    backchannel_logout_uri: str | None = None
    first_party: bool = False


@dataclass(frozen=True)
class RegisteredClient:
    client: OAuthClient
    secret: str | None  # shown once; None for public clients


def check_redirect_uri(value: str, field: str) -> str:
    """An absolute URL without fragment; https, or http on the loopback host (RFC 8252)."""
    uri = clean_text(value, field, max_length=500)
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if (parts.scheme != "https" and not loopback) or not parts.netloc or parts.fragment:
        raise ValidationFailed.single(field, "CLIENT_REDIRECT_URI_INVALID")
    return uri


class ClientService:
    def __init__(self, clock: Clock, hasher: SecretHasher, audit: AuditLog) -> None:
        self._clock = clock
        self._hasher = hasher
        self._audit = audit

    async def register(
        self, registration: ClientRegistration, context: AuditContext
    ) -> RegisteredClient:
        checks = Checks()
        name = checks.run(clean_text, registration.name, "name", max_length=100)
        self._check_choices(checks, registration)
        redirects = [
            checks.run(check_redirect_uri, uri, f"redirectUris.{index}")
            for index, uri in enumerate(registration.redirect_uris)
        ]
        logouts = [
            checks.run(check_redirect_uri, uri, f"postLogoutRedirectUris.{index}")
            for index, uri in enumerate(registration.post_logout_redirect_uris)
        ]
        backchannel = None
        if registration.backchannel_logout_uri:
            backchannel = checks.run(
                check_redirect_uri, registration.backchannel_logout_uri, "backchannelLogoutUri"
            )
        checks.raise_if_any()
        public = registration.token_endpoint_auth_method == "none"
        secret = None if public else new_token(32)
        now = self._clock.now()
        client = await OAuthClient.create(
            client_id=f"idg-{secrets.token_hex(8)}",
            name=name,
            secret_hmac=self._hasher.digest(SECRET_PURPOSE, secret) if secret else None,
            token_endpoint_auth_method=registration.token_endpoint_auth_method,
            grant_types=sorted(set(registration.grant_types)),
            response_types=["code"] if "authorization_code" in registration.grant_types else [],
            scopes=sorted(set(registration.scopes)),
            redirect_uris=redirects,
            post_logout_redirect_uris=logouts,
            backchannel_logout_uri=backchannel,
            first_party=registration.first_party,
            created_at=now,
            updated_at=now,
        )
        await self._audit.record(
            "client.registered",
            context,
            subject_type="client",
            subject_id=client.client_id,
            details={"grant_types": client.grant_types},
        )
        return RegisteredClient(client, secret)

    def _check_choices(self, checks: Checks, registration: ClientRegistration) -> None:
        if not registration.grant_types or set(registration.grant_types) - GRANT_TYPES:
            checks.fail("grantTypes", "CLIENT_GRANT_TYPE_UNSUPPORTED")
        if registration.token_endpoint_auth_method not in AUTH_METHODS:
            checks.fail("tokenEndpointAuthMethod", "CLIENT_AUTH_METHOD_UNSUPPORTED")
        if set(registration.scopes) - SCOPES:
            checks.fail("scopes", "CLIENT_SCOPE_UNSUPPORTED")
        if (
            registration.token_endpoint_auth_method == "none"
            and "client_credentials" in registration.grant_types
        ):
            checks.fail("grantTypes", "CLIENT_PUBLIC_CANNOT_USE_CLIENT_CREDENTIALS")

    async def get(self, client_id: str) -> OAuthClient | None:
        """An enabled client, or None."""
        if not client_id or len(client_id) > 64:
            return None
        return await OAuthClient.get_or_none(client_id=client_id, disabled_at=None)

    def secret_matches(self, client: OAuthClient, secret: str) -> bool:
        if client.secret_hmac is None:
            return False
        return self._hasher.matches(SECRET_PURPOSE, secret, client.secret_hmac)
