"""Settings, read once from the environment (prefix ``IDG_``) and passed down.

This is the only module that reads the environment; everything else receives a
``Settings`` instance from the container. Every field is documented in README.md.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Typed configuration of one identity_graph process."""

    model_config = SettingsConfigDict(env_prefix="IDG_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    public_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("./data")
    database_url: str = ""
    database_pool_size: int = 10
    # PostgreSQL cuts off any statement running longer (0: no limit).
    database_statement_timeout_ms: int = 5000
    # Seconds to wait for a new database connection before the request is answered 503.
    database_connect_timeout_seconds: float = Field(5.0, gt=0)
    redis_url: str = ""
    # Seconds to wait for Redis (connect and each command) before answering 503.
    redis_timeout_seconds: float = Field(1.0, gt=0)
    # ``Retry-After`` of a 503 answered while the database or Redis is unreachable.
    outage_retry_after_seconds: int = Field(5, ge=1)

    # Field encryption (AES-GCM) and keyed hashes. Without a key, development
    # generates one under data_dir; production refuses to start.
    secret_key: SecretStr | None = None
    previous_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    blind_index_key: SecretStr | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"
    # Proxies and load balancers (IPs or CIDR ranges, comma-separated) whose
    # X-Forwarded-For entries are believed; the client address is the right-most entry
    # no trusted proxy wrote (core/net.py). Empty: the peer address, the header ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Deprecated: the immediate peer is one trusted proxy (its right-most entry is the
    # client). Set IDG_TRUSTED_PROXIES instead; ignored when that is set.
    trust_forwarded_for: bool = False

    # Set by ``serve`` for several workers; prometheus_client's own variable name.
    prometheus_multiproc_dir: str = Field("", validation_alias="PROMETHEUS_MULTIPROC_DIR")

    # GraphQL limits (SPEC §9).
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000
    graphql_max_complexity: int = 1000
    # Subscriptions over WebSocket (graphql-transport-ws).
    ws_init_timeout_seconds: float = 10.0
    ws_max_operations: int = 20
    ws_idle_seconds: float = 300.0
    ws_connections_per_account: int = 10
    # A GraphQL request still running after this is cut off with REQUEST_TIMEOUT.
    graphql_timeout_seconds: float = 15.0
    graphql_max_batch: int = 10
    graphql_introspection: bool = True
    graphql_document_cache: int = 512
    graphql_ide: bool = True
    # Federation (core/federation.py): with introspection off, `_service { sdl }` answers
    # only a request carrying `X-Gateway-Secret: <secret>`, or anyone if made public.
    graphql_gateway_secret: SecretStr | None = None
    graphql_public_sdl: bool = False
    # `_entities`: representations per call, and calls per minute per anonymous address.
    graphql_max_representations: int = 100
    graphql_anonymous_entity_calls_per_minute: int = 30
    max_body_bytes: int = 1_048_576
    max_upload_body_bytes: int = 12_582_912

    # Captcha and SMS codes (SPEC §5).
    captcha_ttl_seconds: int = 300
    captcha_length: int = 5
    sms_code_ttl_seconds: int = 300
    sms_code_max_attempts: int = 5
    sms_resend_seconds: int = 60
    sms_daily_cap_per_phone: int = 10
    sms_hourly_cap_per_ip: int = 30
    captcha_per_ip_per_minute: int = 30

    # Notifications.
    notifier: Literal["outbox", "http"] = "outbox"
    sms_gateway_url: str = ""
    sms_gateway_secret: SecretStr | None = None
    sms_gateway_timeout_seconds: float = 5.0

    # Jobs outbox worker.
    jobs_worker_enabled: bool = True
    jobs_poll_seconds: float = 1.0
    jobs_batch_size: int = 20
    jobs_max_attempts: int = 8
    jobs_backoff_base_seconds: float = 2.0
    jobs_backoff_max_seconds: float = 3600.0
    jobs_lease_seconds: float = 120.0
    # Periodic sweeps (expired agent bindings, …) run with the job worker.
    sweep_seconds: float = 60.0

    # Argon2id at OWASP's first recommended setting (m=19 MiB, t=2, p=1), pinned.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19_456
    argon2_parallelism: int = 1
    # Hashes computed at once per worker process; 0 means cores / workers (at least 1).
    argon2_concurrency: int = 0

    # Login lockout (SPEC §3): failures per account, and per client address across accounts
    # (higher, because an office hall or a carrier NAT puts many people behind one address).
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_window_seconds: int = 900

    # Operator-maintained full GB/T 4754-2017 small-class list (CSV: code,zh,en); without
    # it, any 4-digit code whose division exists is accepted (SPEC §12).
    industry_file: Path | None = None

    # "Log in with the national platform account": an upstream OpenID provider (SPEC §3, §7).
    # Empty issuer: the button is not shown.
    upstream_issuer: str = ""
    upstream_client_id: str = ""
    upstream_client_secret: SecretStr | None = None
    upstream_scope: str = "openid profile identity"
    # The upstream's ``acr`` values and the level each stands for here (JSON object, values
    # phone_verified / real_name / real_person); this service's own ACR URIs are always known.
    upstream_acr_levels: dict[str, Literal["phone_verified", "real_name", "real_person"]] = {}

    # `make serve` registers two demo partner sites (public clients on 127.0.0.1:8001/8002)
    # when env is development; see examples/partner_site.py.
    demo_partners: bool = True

    # Sessions and tokens.
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 1_209_600
    session_ttl_seconds: int = 2_592_000
    client_credentials_token_ttl_seconds: int = 3_600
    # A pushed authorization request (RFC 9126) must be used within this time; it covers
    # the login and consent pages the person goes through on the way.
    pushed_request_ttl_seconds: int = 300

    # A retired token-signing key stays in the JWKS this long (past any token it signed).
    signing_key_publish_seconds: int = 86_400
    # Per-process caches (OAuth clients, revoked tokens, live sessions): the backstop
    # lifetime of an entry; changes reach every process at once by notices (0: no caches).
    cache_ttl_seconds: float = Field(5.0, ge=0)

    # Files. ``local`` keeps documents under ``data_dir/uploads`` (one node); ``s3`` keeps them
    # in a bucket of an S3-compatible object store that every node shares (SPEC §10).
    # Documents are encrypted before they reach either.
    upload_max_bytes: int = 5_242_880
    storage: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_prefix: str = "documents/"
    # Empty: AWS S3 itself; else the service's address, e.g. http://minio.internal:9000.
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    # Empty: boto3's usual credential chain (environment, instance or pod role).
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr | None = None
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    s3_timeout_seconds: float = Field(10.0, gt=0)

    # Real-name verification (SPEC §4, §10). The registry check is the national platform's:
    # ``sandbox`` answers from a registry data file (the packaged one unless
    # ``registry_file`` names another), with a configurable outage rate and latency;
    # ``http`` calls ``registry_url`` with signed requests.
    registry_provider: Literal["sandbox", "http"] = "sandbox"
    registry_file: Path | None = None
    sandbox_outage_rate: float = Field(0.0, ge=0.0, le=1.0)
    sandbox_latency_ms: int = Field(0, ge=0)
    registry_url: str = ""
    registry_secret: SecretStr | None = None
    registry_timeout_seconds: float = 5.0
    registry_attempts: int = 3
    # A PENDING case is checked again this long after submission (and then with backoff).
    registry_retry_seconds: int = 60
    # Days a failed or rejected case stays open for a fallback or new materials.
    verification_case_ttl_days: int = 30
    verification_submissions_per_day: int = 10
    review_working_days: int = 5
    # Operator holiday calendar (CSV ``date,kind,name`` with ``# covers: YYYY`` lines) for
    # years the chinesecalendar package does not cover yet (SPEC §12).
    holiday_file: Path | None = None
    # Face check and e-licence sessions. ``sandbox`` serves the provider pages under
    # /sandbox/ in this process; ``http`` opens sessions at a provider gateway (the protocol
    # of verification/providers/http_challenges.py) whose callbacks are signed with the
    # provider's secret.
    challenge_ttl_seconds: int = 600
    face_provider: Literal["sandbox", "http"] = "sandbox"
    face_url: str = ""
    face_secret: SecretStr | None = None
    licence_provider: Literal["sandbox", "http"] = "sandbox"
    licence_url: str = ""
    licence_secret: SecretStr | None = None
    provider_timeout_seconds: float = 5.0
    # Face checks bound to a purpose (adding an agent, confirming a filing): how long a
    # session may stay open, how long a passed check may wait to be used (once), and how
    # many may be started per hour per account, or per client IP without an account.
    face_check_ttl_seconds: int = 600
    face_check_usable_seconds: int = 600
    face_check_starts_per_hour: int = 10
    # Production refuses sandbox authorities (anyone could pass their own face check on a
    # sandbox page) unless this is set, for a staging system.
    allow_sandbox_providers: bool = False
    # CIBA (/oauth/bc-authorize): an auth_req_id's life when the client asks for none
    # (requested_expiry may ask for up to ciba_max_expiry_seconds), and the poll interval.
    ciba_expiry_seconds: int = 600
    ciba_max_expiry_seconds: int = 3600
    ciba_interval_seconds: int = 5

    @model_validator(mode="after")
    def _http_providers_are_configured(self) -> Settings:
        """An HTTP adapter without an address or a real secret would fail, or trust anyone."""
        for name in ("registry", "face", "licence"):
            if getattr(self, f"{name}_provider") != "http":
                continue
            url, secret = getattr(self, f"{name}_url"), getattr(self, f"{name}_secret")
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"IDG_{name.upper()}_URL is required for the http provider")
            if secret is None or len(secret.get_secret_value()) < 16:
                raise ValueError(
                    f"IDG_{name.upper()}_SECRET (at least 16 characters) is required "
                    "for the http provider"
                )
        sandboxes = [
            name
            for name in ("registry", "face", "licence")
            if getattr(self, f"{name}_provider") == "sandbox"
        ]
        if self.env == "production" and sandboxes and not self.allow_sandbox_providers:
            names = ", ".join(f"IDG_{name.upper()}_PROVIDER" for name in sandboxes)
            raise ValueError(
                f"sandbox verification providers in production ({names}): configure the http "
                "providers, or set IDG_ALLOW_SANDBOX_PROVIDERS=true on a staging system"
            )
        return self

    @model_validator(mode="after")
    def _object_storage_is_configured(self) -> Settings:
        """Refuse to start with an object store that cannot work, rather than fail at the
        first upload."""
        if self.storage != "s3":
            return self
        if not self.s3_bucket:
            raise ValueError("IDG_S3_BUCKET is required when IDG_STORAGE=s3")
        if self.s3_endpoint_url and not self.s3_endpoint_url.startswith(("https://", "http://")):
            raise ValueError("IDG_S3_ENDPOINT_URL must be an http(s) address")
        if bool(self.s3_access_key_id) != (self.s3_secret_access_key is not None):
            raise ValueError(
                "IDG_S3_ACCESS_KEY_ID and IDG_S3_SECRET_ACCESS_KEY go together (or neither, "
                "for the environment's credentials)"
            )
        return self

    @model_validator(mode="after")
    def _counters_are_shared(self) -> Settings:
        """Refuse production with several workers and no Redis (see ``shared_counters``)."""
        problem = self.shared_counters_problem(self.workers)
        if problem and self.env == "production":
            raise ValueError(problem)
        return self

    def shared_counters_problem(self, workers: int) -> str | None:
        """Why ``workers`` processes would not share their counters, or None.

        Failed logins, SMS and captcha caps and lockouts (``core/ratelimit.py``), the
        replay checks of one-time values such as DPoP proofs (``core/replay.py``) and the
        WebSocket quota per account are kept in process memory unless IDG_REDIS_URL is set:
        with several workers each counts alone, and an attacker gets the limit once per
        worker (SPEC §3, §11). PostgreSQL LISTEN/NOTIFY (``core/postgres_bus.py``) shares
        cache invalidation and subscription events without Redis, not these counters, so
        it does not lift the refusal."""
        if workers > 1 and not self.redis_url:
            return (
                f"{workers} workers without IDG_REDIS_URL: each worker would count failed "
                "logins, lockouts, SMS and captcha caps and replayed one-time values alone "
                "(PostgreSQL shares caches and events, not these counters). Set "
                "IDG_REDIS_URL (shared by every worker and node), or run one worker."
            )
        return None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        """A comma-separated list from the environment; each an IP address or CIDR range."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for network in value:
                try:
                    ipaddress.ip_network(str(network).strip(), strict=False)
                except ValueError:
                    raise ValueError(
                        f"IDG_TRUSTED_PROXIES: {network!r} is not an IP address or CIDR range"
                    ) from None
        return value

    @field_validator("previous_secret_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """Accept a comma-separated list from the environment."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite://{self.data_dir / 'identity_graph.sqlite3'}"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"
