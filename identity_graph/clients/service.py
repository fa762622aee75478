"""Client registration and look-up (SPEC §7). The secret is shown once, at registration or
rotation, and kept as a keyed hash: client secrets are high-entropy, so a keyed HMAC is as
strong as a password hash and costs microseconds on every token request (SPEC §13)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from identity_graph.clients.ciba_settings import GRANT_TYPE as CIBA_GRANT
from identity_graph.clients.ciba_settings import MESSAGES as CIBA_MESSAGES
from identity_graph.clients.ciba_settings import check_ciba
from identity_graph.clients.models import OAuthClient
from identity_graph.core import keyset
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.change_feed import Cache, ChangeFeed
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.events import LocalBus
from identity_graph.core.keyset import Window
from identity_graph.core.rows import fetch_by_column
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.core.validators import Checks, clean_text

SECRET_PURPOSE = "client-secret"
TOPIC = "oauth_client"  # change notices (core/change_feed.py), keyed by client_id
GRANT_TYPES = frozenset(
    {
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:token-exchange",  # RFC 8693: agents (SPEC §7)
        "urn:openid:params:grant-type:ciba",  # CIBA (confirmations/ciba.py)
    }
)
AUTH_METHODS = frozenset({"client_secret_basic", "client_secret_post", "none"})
SCOPES = frozenset({"openid", "profile", "phone", "email", "identity", "enterprise"})

MESSAGES = {
    **CIBA_MESSAGES,
    "CLIENT_REDIRECT_URI_INVALID": (
        "回调地址须为完整的 https 地址（本机调试可用 http://127.0.0.1 或 localhost），不含片段",
        "Redirect URIs must be absolute https URLs (http only for 127.0.0.1 or localhost),"
        " without a fragment",
    ),
    "CLIENT_GRANT_TYPE_UNSUPPORTED": ("不支持的授权类型", "Unsupported grant type"),
    "CLIENT_AUTH_METHOD_UNSUPPORTED": ("不支持的客户端认证方式", "Unsupported auth method"),
    "CLIENT_SCOPE_UNSUPPORTED": ("不支持的授权范围", "Unsupported scope"),
    "CLIENT_REDIRECT_URI_REQUIRED": (
        "授权码模式至少需要一个回调地址",
        "The authorization code grant needs at least one redirect URI",
    ),
    "CLIENT_NOT_FOUND": ("接入系统不存在", "No such client"),
    "CLIENT_SUBJECT_TYPE_UNSUPPORTED": (
        "用户标识类型须为 public 或 pairwise",
        "The subject type must be public or pairwise",
    ),
    "CLIENT_IS_PUBLIC": ("公开客户端没有密钥", "A public client has no secret"),
    "CLIENT_NEEDS_SECRET": (
        "公开客户端不能改为需要密钥的认证方式，请重新注册",
        "A public client cannot switch to secret authentication; register a new client",
    ),
    "CLIENT_PUBLIC_CANNOT_USE_CLIENT_CREDENTIALS": (
        "公开客户端不能使用客户端凭证模式",
        "A public client cannot use the client credentials grant",
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
    subject_type: str = "public"
    sector_identifier: str | None = None
    backchannel_token_delivery_mode: str | None = None  # CIBA: "poll" or "ping"
    backchannel_client_notification_endpoint: str | None = None  # CIBA ping mode


@dataclass(frozen=True)
class RegisteredClient:
    client: OAuthClient
    secret: str | None  # shown once; None for public clients


def _pick(value: Sequence[str] | None, current: Sequence[str]) -> Sequence[str]:
    return current if value is None else value


def check_redirect_uri(value: str, field: str) -> str:
    """An absolute URL without fragment; https, or http on the loopback host (RFC 8252)."""
    uri = clean_text(value, field, max_length=500)
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if (parts.scheme != "https" and not loopback) or not parts.netloc or parts.fragment:
        raise ValidationFailed.single(field, "CLIENT_REDIRECT_URI_INVALID")
    return uri


class ClientService:
    """Registration and look-up. ``get`` answers from a per-process cache kept current by
    change notices (``core/change_feed.py``): an update, a disabling or a secret rotation
    reaches every worker and node at once, the TTL being only the backstop."""

    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        audit: AuditLog,
        changes: ChangeFeed | None = None,
        cache_seconds: float = 0.0,
        *,
        loopback_notifications: bool = False,
    ) -> None:
        self._loopback_notifications = loopback_notifications  # CIBA ping over http://127.0.0.1
        self._clock = clock
        self._hasher = hasher
        self._audit = audit
        self._changes = changes or ChangeFeed(LocalBus())
        self._cache: Cache[OAuthClient | None] = Cache(self._changes, TOPIC, cache_seconds)

    async def _changed(self, client_id: str) -> None:
        await self._changes.publish(TOPIC, client_id)

    async def register(
        self, registration: ClientRegistration, context: AuditContext
    ) -> RegisteredClient:
        clean = self._clean(registration)
        public = registration.token_endpoint_auth_method == "none"
        secret = None if public else new_token(32)
        now = self._clock.now()
        client = await OAuthClient.create(
            client_id=f"idg-{secrets.token_hex(8)}",
            secret_hmac=self._hasher.digest(SECRET_PURPOSE, secret) if secret else None,
            created_at=now,
            **clean,
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

    def _clean(self, registration: ClientRegistration) -> dict[str, Any]:
        """The validated columns of a registration, or every error at once."""
        checks = Checks()
        name = checks.run(clean_text, registration.name, "name", max_length=100)
        self._check_choices(checks, registration)
        redirects = [
            checks.run(check_redirect_uri, uri, f"redirectUris.{index}")
            for index, uri in enumerate(registration.redirect_uris)
        ]
        if "authorization_code" in registration.grant_types and not redirects:
            checks.fail("redirectUris", "CLIENT_REDIRECT_URI_REQUIRED")
        logouts = [
            checks.run(check_redirect_uri, uri, f"postLogoutRedirectUris.{index}")
            for index, uri in enumerate(registration.post_logout_redirect_uris)
        ]
        backchannel = None
        if registration.backchannel_logout_uri:
            backchannel = checks.run(
                check_redirect_uri, registration.backchannel_logout_uri, "backchannelLogoutUri"
            )
        sector = None
        if registration.sector_identifier:
            sector = checks.run(
                clean_text, registration.sector_identifier, "sectorIdentifier", max_length=200
            )
        ciba = self._ciba(checks, registration)
        checks.raise_if_any()
        return {
            **ciba,
            "name": name,
            "token_endpoint_auth_method": registration.token_endpoint_auth_method,
            "grant_types": sorted(set(registration.grant_types)),
            "response_types": ["code"] if "authorization_code" in registration.grant_types else [],
            "scopes": sorted(set(registration.scopes)),
            "redirect_uris": redirects,
            "post_logout_redirect_uris": logouts,
            "backchannel_logout_uri": backchannel,
            "first_party": registration.first_party,
            "subject_type": registration.subject_type,
            "sector_identifier": sector,
        }

    def _ciba(self, checks: Checks, registration: ClientRegistration) -> dict[str, Any]:
        return check_ciba(
            checks,
            registration.grant_types,
            registration.token_endpoint_auth_method,
            registration.backchannel_token_delivery_mode,
            registration.backchannel_client_notification_endpoint,
            loopback_allowed=self._loopback_notifications,
        )

    def _check_choices(self, checks: Checks, registration: ClientRegistration) -> None:
        if not registration.grant_types or set(registration.grant_types) - GRANT_TYPES:
            checks.fail("grantTypes", "CLIENT_GRANT_TYPE_UNSUPPORTED")
        if registration.token_endpoint_auth_method not in AUTH_METHODS:
            checks.fail("tokenEndpointAuthMethod", "CLIENT_AUTH_METHOD_UNSUPPORTED")
        if registration.subject_type not in ("public", "pairwise"):
            checks.fail("subjectType", "CLIENT_SUBJECT_TYPE_UNSUPPORTED")
        if set(registration.scopes) - SCOPES:
            checks.fail("scopes", "CLIENT_SCOPE_UNSUPPORTED")
        if (
            registration.token_endpoint_auth_method == "none"
            and "client_credentials" in registration.grant_types
        ):
            checks.fail("grantTypes", "CLIENT_PUBLIC_CANNOT_USE_CLIENT_CREDENTIALS")

    async def ensure(
        self, client_id: str, registration: ClientRegistration, context: AuditContext
    ) -> OAuthClient:
        """A client with a fixed id, created once (the development demo partners)."""
        existing = await OAuthClient.get_or_none(client_id=client_id)
        if existing is not None:
            return existing
        if registration.token_endpoint_auth_method != "none":
            raise ValueError("fixed-id clients are public: a secret would have to be printed")
        clean = self._clean(registration)
        now = self._clock.now()
        client = await OAuthClient.create(
            client_id=client_id, secret_hmac=None, created_at=now, updated_at=now, **clean
        )
        await self._audit.record(
            "client.registered", context, subject_type="client", subject_id=client_id
        )
        return client

    async def get(self, client_id: str) -> OAuthClient | None:
        """An enabled client, or None."""
        if not client_id or len(client_id) > 64:
            return None
        hit, client = self._cache.get(client_id)
        if not hit:
            # Every token request asks this: one hand-written query (core/rows.py).
            client = await fetch_by_column(OAuthClient, "client_id", client_id)
            self._cache.put(client_id, client)
        return client if client is not None and client.disabled_at is None else None

    async def update(
        self, client_id: str, changes: ClientChanges, context: AuditContext
    ) -> OAuthClient:
        client = await OAuthClient.get_or_none(client_id=client_id)
        if client is None:
            raise DomainError("CLIENT_NOT_FOUND", "clientId")
        merged = ClientRegistration(
            name=changes.name if changes.name is not None else client.name,
            grant_types=_pick(changes.grant_types, client.grant_types),
            token_endpoint_auth_method=changes.token_endpoint_auth_method
            or client.token_endpoint_auth_method,
            scopes=_pick(changes.scopes, client.scopes),
            redirect_uris=_pick(changes.redirect_uris, client.redirect_uris),
            post_logout_redirect_uris=_pick(
                changes.post_logout_redirect_uris, client.post_logout_redirect_uris
            ),
            backchannel_logout_uri=changes.backchannel_logout_uri
            if changes.backchannel_logout_uri is not None
            else client.backchannel_logout_uri,
            first_party=client.first_party if changes.first_party is None else changes.first_party,
            subject_type=client.subject_type,
            sector_identifier=client.sector_identifier,
            **_ciba_changes(changes, client),
        )
        clean = self._clean(merged)
        if merged.token_endpoint_auth_method != "none" and client.secret_hmac is None:
            raise ValidationFailed.single("tokenEndpointAuthMethod", "CLIENT_NEEDS_SECRET")
        now = self._clock.now()
        disabled_at = client.disabled_at
        if changes.disabled is not None:
            disabled_at = (disabled_at or now) if changes.disabled else None
        await OAuthClient.filter(id=client.id).update(
            **clean, disabled_at=disabled_at, updated_at=now
        )
        await self._changed(client_id)
        await self._audit.record(
            "client.updated",
            context,
            subject_type="client",
            subject_id=client_id,
            details={"disabled": disabled_at is not None},
        )
        return await OAuthClient.get(id=client.id)

    async def rotate_secret(self, client_id: str, context: AuditContext) -> RegisteredClient:
        """A new secret, shown once; the old one stops working at once."""
        client = await OAuthClient.get_or_none(client_id=client_id)
        if client is None:
            raise DomainError("CLIENT_NOT_FOUND", "clientId")
        if client.token_endpoint_auth_method == "none":
            raise DomainError("CLIENT_IS_PUBLIC", "clientId")
        secret = new_token(32)
        await OAuthClient.filter(id=client.id).update(
            secret_hmac=self._hasher.digest(SECRET_PURPOSE, secret), updated_at=self._clock.now()
        )
        await self._changed(client_id)
        await self._audit.record(
            "client.secret_rotated", context, subject_type="client", subject_id=client_id
        )
        return RegisteredClient(await OAuthClient.get(id=client.id), secret)

    async def page(self, window: Window) -> list[OAuthClient]:
        """Oldest first; the rows of ``window`` (forwards or backwards)."""
        return await keyset.read(OAuthClient.all(), window)

    def secret_matches(self, client: OAuthClient, secret: str) -> bool:
        if client.secret_hmac is None:
            return False
        return self._hasher.matches(SECRET_PURPOSE, secret, client.secret_hmac)


@dataclass(frozen=True)
class ClientChanges:
    """Fields an operator may change; None leaves a field as it is."""

    name: str | None = None
    grant_types: Sequence[str] | None = None
    token_endpoint_auth_method: str | None = None
    scopes: Sequence[str] | None = None
    redirect_uris: Sequence[str] | None = None
    post_logout_redirect_uris: Sequence[str] | None = None
    backchannel_logout_uri: str | None = None
    first_party: bool | None = None
    disabled: bool | None = None
    backchannel_token_delivery_mode: str | None = None  # CIBA: "poll" or "ping"
    backchannel_client_notification_endpoint: str | None = None  # "" removes it


def _ciba_changes(changes: ClientChanges, client: OAuthClient) -> dict[str, str | None]:
    """The CIBA settings after ``changes``: a client that leaves the CIBA grant drops them;
    one that turns to poll drops its endpoint unless it names one (which is refused)."""
    mode = changes.backchannel_token_delivery_mode or client.backchannel_token_delivery_mode
    endpoint = changes.backchannel_client_notification_endpoint
    if endpoint is None and mode != "poll":
        endpoint = client.backchannel_client_notification_endpoint
    if changes.grant_types is not None and CIBA_GRANT not in changes.grant_types:
        if changes.backchannel_token_delivery_mode is None:
            mode = None
        endpoint = changes.backchannel_client_notification_endpoint
    return {
        "backchannel_token_delivery_mode": mode,
        "backchannel_client_notification_endpoint": endpoint or None,
    }
