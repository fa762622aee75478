"""Development only: two demo partner sites for trying single sign-on (``make serve``).

Both are public clients (PKCE, no secret to print), with redirect, post-logout and
back-channel URIs on 127.0.0.1 ports 8001 and 8002, where
``examples/partner_site.py`` serves them.
"""

from __future__ import annotations

from identity_graph.clients.service import ClientRegistration
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext

DEMO_PARTNERS = {"idg-demo-partner-a": 8001, "idg-demo-partner-b": 8002}


async def ensure_demo_partners(container: Container) -> list[str]:
    lines = []
    for client_id, port in DEMO_PARTNERS.items():
        base = f"http://127.0.0.1:{port}"
        await container.clients.ensure(
            client_id,
            ClientRegistration(
                name=f"示例接入系统 {client_id[-1].upper()} (demo partner)",
                grant_types=["authorization_code", "refresh_token"],
                token_endpoint_auth_method="none",  # noqa: S106 - a method name
                scopes=["openid", "profile", "phone", "identity", "enterprise"],
                redirect_uris=[f"{base}/callback"],
                post_logout_redirect_uris=[f"{base}/"],
                backchannel_logout_uri=f"{base}/backchannel",
            ),
            AuditContext(client_ip="demo"),
        )
        lines.append(
            f"  .venv/bin/python examples/partner_site.py --client-id {client_id} --port {port}"
        )
    return lines
