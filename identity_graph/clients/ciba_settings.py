"""A client's CIBA settings (OpenID Connect CIBA Core 1.0 §4, client metadata): the token
delivery mode (``poll``: the client polls the token endpoint; ``ping``: it is told at its
notification endpoint first) and, for ping, that endpoint. Checked here for every door that
registers or changes a client (GraphQL admin, the CLI, the demo), each refusal naming its
field; ``confirmations/ciba.py`` runs the flow.

CIBA §4 leaves ``push`` mode optional and this server does not offer it, nor a user code
(discovery says ``backchannel_user_code_parameter_supported: false``), nor signed requests:
so there is nothing else to register.

The notification endpoint receives the client notification token (a bearer credential), so
it must be https (CIBA §10.2 says it MUST be https); ``http://127.0.0.1`` or ``localhost``
is accepted only outside production, for a partner testing on its own machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from identity_graph.core.errors import ValidationFailed
from identity_graph.core.validators import Checks, clean_text

GRANT_TYPE = "urn:openid:params:grant-type:ciba"
DELIVERY_MODES = ("poll", "ping")
MODE_FIELD = "backchannelTokenDeliveryMode"
ENDPOINT_FIELD = "backchannelClientNotificationEndpoint"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

MESSAGES = {
    "CLIENT_CIBA_DELIVERY_MODE": (
        "CIBA 令牌交付方式须为 poll 或 ping",
        "The CIBA token delivery mode must be poll or ping",
    ),
    "CLIENT_CIBA_NEEDS_SECRET": (
        "使用 CIBA 的接入系统须为机密客户端：客户端认证方式不能为 none",
        "A client using CIBA must be confidential: its auth method cannot be none",
    ),
    "CLIENT_CIBA_NOTIFICATION_ENDPOINT_REQUIRED": (
        "ping 方式须填写 CIBA 通知地址",
        "Ping mode needs a CIBA notification endpoint",
    ),
    "CLIENT_CIBA_NOTIFICATION_ENDPOINT_INVALID": (
        "CIBA 通知地址须为完整的 https 地址，不含片段（仅开发和测试环境可用"
        " http://127.0.0.1 或 localhost）",
        "The CIBA notification endpoint must be an absolute https URL without a fragment"
        " (http on 127.0.0.1 or localhost only outside production)",
    ),
    "CLIENT_CIBA_POLL_HAS_NO_ENDPOINT": (
        "poll 方式不使用 CIBA 通知地址，请留空",
        "Poll mode uses no CIBA notification endpoint; leave it empty",
    ),
    "CLIENT_CIBA_GRANT_MISSING": (
        "只有使用 CIBA 授权类型的接入系统才能设置 CIBA 令牌交付方式和通知地址",
        "Only a client with the CIBA grant type can have a CIBA delivery mode or"
        " notification endpoint",
    ),
}


def check_ciba(
    checks: Checks,
    grant_types: Sequence[str],
    auth_method: str,
    mode: str | None,
    endpoint: str | None,
    *,
    loopback_allowed: bool,
) -> dict[str, Any]:
    """The two columns, or failures recorded in ``checks`` (each naming its field)."""
    if GRANT_TYPE not in grant_types:
        if mode or endpoint:
            checks.fail(MODE_FIELD if mode else ENDPOINT_FIELD, "CLIENT_CIBA_GRANT_MISSING")
        return {
            "backchannel_token_delivery_mode": None,
            "backchannel_client_notification_endpoint": None,
        }
    if auth_method == "none":
        checks.fail("tokenEndpointAuthMethod", "CLIENT_CIBA_NEEDS_SECRET")
    if mode not in DELIVERY_MODES:
        checks.fail(MODE_FIELD, "CLIENT_CIBA_DELIVERY_MODE")
        return {}
    if mode == "poll":
        if endpoint:  # a poll client is never called back: an endpoint would be a mistake
            checks.fail(ENDPOINT_FIELD, "CLIENT_CIBA_POLL_HAS_NO_ENDPOINT")
        endpoint = None
    elif not endpoint:
        checks.fail(ENDPOINT_FIELD, "CLIENT_CIBA_NOTIFICATION_ENDPOINT_REQUIRED")
    else:
        endpoint = checks.run(check_notification_endpoint, endpoint, loopback_allowed)
    return {
        "backchannel_token_delivery_mode": mode,
        "backchannel_client_notification_endpoint": endpoint,
    }


def check_notification_endpoint(value: str, loopback_allowed: bool) -> str:
    uri = clean_text(value, ENDPOINT_FIELD, max_length=500)
    parts = urlsplit(uri)
    loopback = loopback_allowed and parts.scheme == "http" and parts.hostname in LOOPBACK
    if (parts.scheme != "https" and not loopback) or not parts.hostname or parts.fragment:
        raise ValidationFailed.single(ENDPOINT_FIELD, "CLIENT_CIBA_NOTIFICATION_ENDPOINT_INVALID")
    return uri
