"""Owns table ``oauth_clients``: the partner systems (接入系统) registered by operators
(SPEC §7). Secrets are stored only as keyed hashes; redirect URIs are matched exactly."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class OAuthClient(Model):
    id = fields.BigIntField(primary_key=True)
    client_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    secret_hmac = fields.CharField(max_length=64, null=True)
    token_endpoint_auth_method = fields.CharField(max_length=32)
    grant_types: Any = fields.JSONField(default=list)
    response_types: Any = fields.JSONField(default=list)
    scopes: Any = fields.JSONField(default=list)
    redirect_uris: Any = fields.JSONField(default=list)
    post_logout_redirect_uris: Any = fields.JSONField(default=list)
    backchannel_logout_uri = fields.CharField(max_length=500, null=True)
    first_party = fields.BooleanField(default=False)
    # A database default too: the column was added to a table that may hold clients.
    subject_type = fields.CharField(max_length=16, default="public", db_default="public")
    sector_identifier = fields.CharField(max_length=200, null=True)
    # CIBA (OpenID Connect Client-Initiated Backchannel Authentication): "poll" or "ping",
    # and where a ping goes (``confirmations/ciba.py``).
    backchannel_token_delivery_mode = fields.CharField(max_length=8, null=True)
    backchannel_client_notification_endpoint = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_clients"


class ServiceItem(Model):
    """A service (事项) a partner system provides, e.g. ``000106004000`` 外国人来华工作许可
    (SPEC §2.4). Enterprises grant their agents services from this catalogue; a retired
    service keeps its row (grants refer to it) but can no longer be granted or handled."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="services", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "service_items"
