"""The composition root: builds every service and adapter from Settings and a Clock.

This is the only module that knows concrete classes. Transports reach services through
``Container``; tests build one with a ``FixedClock`` and ``TestHooks``.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from identity_graph.accounts import forms, login_names, pledge, profile, registration
from identity_graph.accounts.credential_reset import CredentialReset
from identity_graph.accounts.enums import AssuranceLevel
from identity_graph.accounts.extended_info import ExtendedInfoService
from identity_graph.accounts.industry import MESSAGES as INDUSTRY_MESSAGES
from identity_graph.accounts.industry import IndustryCatalog
from identity_graph.accounts.password_policy import POLICY_MESSAGES
from identity_graph.accounts.passwords import PasswordHasher
from identity_graph.accounts.profile import ProfileService
from identity_graph.accounts.records import InfoUpdateLog
from identity_graph.accounts.registration import RegistrationService
from identity_graph.accounts.service import MESSAGES as ACCOUNT_MESSAGES
from identity_graph.accounts.service import AccountService
from identity_graph.accounts.vault import PersonalData
from identity_graph.agents.context import EnterpriseContext
from identity_graph.agents.service import MESSAGES as AGENT_MESSAGES
from identity_graph.agents.service import build_agent_service
from identity_graph.challenges.captcha import MESSAGES as CAPTCHA_MESSAGES
from identity_graph.challenges.captcha import CaptchaService
from identity_graph.challenges.sms import MESSAGES as SMS_MESSAGES
from identity_graph.challenges.sms import SmsCodeService, SmsPolicy
from identity_graph.clients.catalogue import MESSAGES as CATALOGUE_MESSAGES
from identity_graph.clients.catalogue import ServiceCatalogue
from identity_graph.clients.revocations import RevokedKeys, TokenRevocations
from identity_graph.clients.service import MESSAGES as CLIENT_MESSAGES
from identity_graph.clients.service import ClientService
from identity_graph.clients.subjects import Subjects
from identity_graph.confirmations import ciba as ciba_flow
from identity_graph.confirmations import drafts as confirmation_drafts
from identity_graph.confirmations import service as confirmations_service
from identity_graph.confirmations.service import WEBHOOK_JOB, ConfirmationService
from identity_graph.confirmations.webhooks import WebhookSender
from identity_graph.core.audit import AuditLog
from identity_graph.core.change_feed import ChangeFeed
from identity_graph.core.clock import Clock, SystemClock
from identity_graph.core.crypto import BlindIndex, FieldCipher
from identity_graph.core.events import ConnectionQuota, EventBus, LocalBus, RedisBus
from identity_graph.core.federation import MESSAGES as FEDERATION_MESSAGES
from identity_graph.core.federation import FederationAccess
from identity_graph.core.i18n import CORE_MESSAGES, Catalog, Translator
from identity_graph.core.job_operations import JobOperations
from identity_graph.core.jobs import JobQueue, JobWorker
from identity_graph.core.net import TrustedProxies
from identity_graph.core.postgres_bus import (
    DatabaseNotices,
    PostgresBus,
    connector,
    database_notices,
)
from identity_graph.core.ratelimit import (
    MemoryBackend,
    RateLimitBackend,
    RateLimiter,
    RedisBackend,
    Rule,
)
from identity_graph.core.replay import MemoryReplayCache, RedisReplayCache, ReplayCache
from identity_graph.core.secrets import SecretHasher
from identity_graph.core.sweeps import Sweep
from identity_graph.core.validators import VALIDATOR_MESSAGES
from identity_graph.db import is_postgres
from identity_graph.files.documents import Documents
from identity_graph.files.s3 import S3Storage
from identity_graph.files.service import MESSAGES as FILE_MESSAGES
from identity_graph.files.service import DocumentStore
from identity_graph.files.storage import EncryptedStorage, LocalFolderStorage, Storage
from identity_graph.ids import person as person_ids
from identity_graph.ids import units as unit_ids
from identity_graph.keys import load_master_keys
from identity_graph.notifications.base import Gateway
from identity_graph.notifications.gateways import HttpGateway, OutboxGateway
from identity_graph.notifications.service import DELIVER_JOB, OutboxNotifier
from identity_graph.recovery import activation, legacy_import
from identity_graph.recovery import reset as password_reset
from identity_graph.recovery.appeals import service as appeals_service
from identity_graph.recovery.appeals.service import AppealService
from identity_graph.recovery.appeals.service import Policy as AppealPolicy
from identity_graph.sessions import login
from identity_graph.sessions.account_reset import AccountSignOut
from identity_graph.sessions.authorization_codes import AuthorizationCodes
from identity_graph.sessions.browser import BrowserSessions
from identity_graph.sessions.claim_rows import ClaimRowsCache
from identity_graph.sessions.consents import MESSAGES as CONSENT_MESSAGES
from identity_graph.sessions.consents import Consents
from identity_graph.sessions.issued_tokens import IssuedTokens
from identity_graph.sessions.login import LoginPolicy, LoginService
from identity_graph.sessions.logout import BACKCHANNEL_JOB, LogoutService
from identity_graph.sessions.oauth_refresh import OAuthRefreshTokens
from identity_graph.sessions.pushed_requests import PushedRequests
from identity_graph.sessions.qr_login import MESSAGES as QR_MESSAGES
from identity_graph.sessions.qr_login import QrLogins
from identity_graph.sessions.service import MESSAGES as SESSION_MESSAGES
from identity_graph.sessions.service import SessionService
from identity_graph.sessions.signer import JwsSigner
from identity_graph.sessions.signing_keys import SigningKeys
from identity_graph.sessions.tokens import ACR_VALUES, TokenPolicy, TokenService
from identity_graph.sessions.tokens import MESSAGES as TOKEN_MESSAGES
from identity_graph.sessions.upstream import UpstreamLinks
from identity_graph.settings import Settings
from identity_graph.verification import callbacks as verification_callbacks
from identity_graph.verification import challenges as verification_challenges
from identity_graph.verification import face_checks, reverification, review
from identity_graph.verification import notices as verification_notices
from identity_graph.verification import service as verification_service
from identity_graph.verification.callbacks import ProviderCallbacks
from identity_graph.verification.challenges import ChallengeService
from identity_graph.verification.face_checks import FaceChecks
from identity_graph.verification.face_proofs import AgentAdminFaceProofs, ConfirmationFaceProofs
from identity_graph.verification.models import ChallengeKind
from identity_graph.verification.notices import Notices
from identity_graph.verification.providers.base import ChallengeProvider, RegistryCheck
from identity_graph.verification.providers.http import HttpRegistry
from identity_graph.verification.providers.http_challenges import HttpChallenges
from identity_graph.verification.providers.registry_file import Registry, load_registry
from identity_graph.verification.providers.sandbox import SandboxRegistry
from identity_graph.verification.providers.sandbox_challenges import SandboxChallenges
from identity_graph.verification.reverification import Reverification
from identity_graph.verification.review import ReviewService
from identity_graph.verification.service import REGISTRY_JOB, Policy, VerificationService
from identity_graph.verification.upstream import UpstreamAssurance
from identity_graph.verification.workdays import WorkingDays, load_holiday_file


@dataclass
class TestHooks:
    """Test-only windows into secrets; never built outside the test suite."""

    captcha_answers: dict[uuid.UUID, str] = field(default_factory=dict)

    def record_captcha(self, captcha_id: uuid.UUID, answer: str) -> None:
        self.captcha_answers[captcha_id] = answer


def _sms_policy(settings: Settings) -> SmsPolicy:
    """Code lifetime, tries and send limits, shared by SMS codes and password resets."""
    return SmsPolicy(
        ttl_seconds=settings.sms_code_ttl_seconds,
        max_attempts=settings.sms_code_max_attempts,
        resend_seconds=settings.sms_resend_seconds,
        daily_cap_per_phone=settings.sms_daily_cap_per_phone,
        hourly_cap_per_ip=settings.sms_hourly_cap_per_ip,
    )


def _gateway(settings: Settings) -> Gateway:
    if settings.notifier == "http":
        secret = settings.sms_gateway_secret
        return HttpGateway(
            settings.sms_gateway_url,
            (secret.get_secret_value() if secret else "").encode(),
            timeout=settings.sms_gateway_timeout_seconds,
        )
    return OutboxGateway()


def _registry(settings: Settings, world: Registry) -> RegistryCheck:
    if settings.registry_provider == "http":
        secret = settings.registry_secret
        return HttpRegistry(
            settings.registry_url,
            (secret.get_secret_value() if secret else "").encode(),
            timeout=settings.registry_timeout_seconds,
            attempts=settings.registry_attempts,
        )
    return SandboxRegistry(
        world,
        outage_rate=settings.sandbox_outage_rate,
        latency_seconds=settings.sandbox_latency_ms / 1000,
    )


def _storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        secret = settings.s3_secret_access_key
        return S3Storage.connect(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            addressing_style=settings.s3_addressing_style,
            timeout_seconds=settings.s3_timeout_seconds,
        )
    return LocalFolderStorage(settings.upload_dir)


def _redis_client(settings: Settings) -> Redis | None:
    """The shared Redis client, or None without ``IDG_REDIS_URL``.

    Short timeouts and one quick retry: a login refused at once with SERVICE_UNAVAILABLE
    beats one that hangs for redis-py's default ten retries while Redis is down. Nothing
    else is needed for recovery: the pool reconnects on the next command.
    """
    if not settings.redis_url:
        return None
    timeout = settings.redis_timeout_seconds
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), retries=1),
        health_check_interval=30,
    )


def _event_bus(settings: Settings, redis: Redis | None) -> EventBus:
    """Redis pub/sub when configured, else PostgreSQL LISTEN/NOTIFY when the database is
    PostgreSQL, else in-process: the change feed and subscriptions cross workers and nodes
    with either of the first two (``core/events.py``)."""
    if redis is not None:
        return RedisBus(redis)
    url = settings.resolved_database_url
    if is_postgres(url):
        return PostgresBus(connector(url, settings.database_connect_timeout_seconds))
    return LocalBus()


def _database_notices(settings: Settings, bus: EventBus) -> DatabaseNotices | None:
    """The row triggers' notices (migration 0026) on a connection of their own when the
    database is PostgreSQL but another bus (Redis) carries the app's notices."""
    url = settings.resolved_database_url
    if isinstance(bus, PostgresBus) or not is_postgres(url):
        return None
    return database_notices(url, settings.database_connect_timeout_seconds)


def _cores_per_worker(settings: Settings) -> int:
    return max(1, len(os.sched_getaffinity(0)) // max(1, settings.workers))


# Every domain's messages, by code (core/i18n.py); graphql/error_codes.py lists the codes.
MESSAGE_CATALOGS: tuple[Catalog, ...] = (
    CORE_MESSAGES,
    FEDERATION_MESSAGES,
    VALIDATOR_MESSAGES,
    CAPTCHA_MESSAGES,
    SMS_MESSAGES,
    ACCOUNT_MESSAGES,
    FILE_MESSAGES,
    TOKEN_MESSAGES,
    POLICY_MESSAGES,
    INDUSTRY_MESSAGES,
    person_ids.MESSAGES,
    unit_ids.MESSAGES,
    forms.MESSAGES,
    login_names.MESSAGES,
    pledge.MESSAGES,
    profile.MESSAGES,
    registration.MESSAGES,
    login.MESSAGES,
    CLIENT_MESSAGES,
    CATALOGUE_MESSAGES,
    AGENT_MESSAGES,
    SESSION_MESSAGES,
    confirmations_service.MESSAGES,
    confirmation_drafts.MESSAGES,
    CONSENT_MESSAGES,
    QR_MESSAGES,
    verification_service.MESSAGES,
    verification_notices.MESSAGES,
    verification_challenges.MESSAGES,
    verification_callbacks.MESSAGES,
    face_checks.MESSAGES,
    review.MESSAGES,
    reverification.MESSAGES,
    password_reset.MESSAGES,
    appeals_service.MESSAGES,
    activation.MESSAGES,
    legacy_import.MESSAGES,
)


class Container:
    def __init__(
        self, settings: Settings, clock: Clock | None = None, test_hooks: TestHooks | None = None
    ) -> None:
        self.settings = settings
        self.proxies = TrustedProxies(
            settings.trusted_proxies, peer_is_proxy=settings.trust_forwarded_for
        )
        self.clock: Clock = clock or SystemClock()
        self.test_hooks = test_hooks
        keys = load_master_keys(settings)
        self.cipher = FieldCipher(keys.encryption)
        self.blind_index = BlindIndex(keys.hmac)
        self.hasher = SecretHasher(keys.hmac)
        self.translate = Translator(MESSAGE_CATALOGS)
        self.redis = _redis_client(settings)
        backend: RateLimitBackend = RedisBackend(self.redis) if self.redis else MemoryBackend()
        self.limiter = RateLimiter(backend, self.clock, lambda key: self.hasher.digest("rl", key))
        gateway_secret = settings.graphql_gateway_secret
        self.federation = FederationAccess(
            self.limiter,
            introspection=settings.graphql_introspection,
            public_sdl=settings.graphql_public_sdl,
            gateway_secret=gateway_secret.get_secret_value() if gateway_secret else None,
            max_representations=settings.graphql_max_representations,
            anonymous_calls_per_minute=settings.graphql_anonymous_entity_calls_per_minute,
        )
        self.replay_cache: ReplayCache = (
            RedisReplayCache(self.redis)
            if self.redis is not None
            else MemoryReplayCache(self.clock)
        )
        self.audit = AuditLog(self.clock)
        self.jobs = JobQueue(
            self.clock,
            max_attempts=settings.jobs_max_attempts,
            backoff_base=settings.jobs_backoff_base_seconds,
            backoff_max=settings.jobs_backoff_max_seconds,
            lease_seconds=settings.jobs_lease_seconds,
        )
        self.job_operations = JobOperations(self.jobs, self.audit)
        self.gateway = _gateway(settings)
        self.notifier = OutboxNotifier(
            self.clock, self.jobs, self.gateway, self.cipher, self.blind_index
        )
        self.documents = DocumentStore(
            EncryptedStorage(
                _storage(settings),
                lambda data: self.cipher.seal(data, "document"),
                lambda blob: self.cipher.open(blob, "document"),
            ),
            max_bytes=settings.upload_max_bytes,
            key_for=lambda data: self.hasher.digest_bytes("document", data),
        )
        self.captcha = CaptchaService(
            self.clock,
            self.hasher,
            self.limiter,
            ttl_seconds=settings.captcha_ttl_seconds,
            length=settings.captcha_length,
            per_ip_per_minute=settings.captcha_per_ip_per_minute,
            answer_sink=test_hooks.record_captcha if test_hooks else None,
        )
        self.sms = SmsCodeService(
            self.clock,
            self.hasher,
            self.blind_index,
            self.limiter,
            self.captcha,
            self.notifier,
            _sms_policy(settings),
        )
        self.passwords = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            concurrency=settings.argon2_concurrency or _cores_per_worker(settings),
        )
        self.vault = PersonalData(self.cipher, self.blind_index)
        self.industry = IndustryCatalog.load(settings.industry_file)
        self.events = _event_bus(settings, self.redis)
        self.ws_quota = ConnectionQuota(settings.ws_connections_per_account, self.redis)
        # Per-process caches, kept current across workers and nodes (core/change_feed.py).
        self.changes = ChangeFeed(self.events, _database_notices(settings, self.events))
        cache_ttl = settings.cache_ttl_seconds
        self.accounts = AccountService(
            self.clock, self.passwords, self.vault, self.audit, self.events
        )
        self.registration = RegistrationService(
            self.clock,
            self.passwords,
            self.vault,
            self.sms,
            self.notifier,
            self.audit,
            lambda code, field: self.industry.validate(code, field).code,
        )
        self.info_updates = InfoUpdateLog(self.clock)
        self.extended_info = ExtendedInfoService(self.clock, self.info_updates, self.audit)
        self.clients = ClientService(
            self.clock,
            self.hasher,
            self.audit,
            self.changes,
            cache_ttl,
            loopback_notifications=settings.env != "production",
        )
        self.subjects = Subjects(self.hasher)
        self.catalogue = ServiceCatalogue(self.clock, self.audit, self.changes, cache_ttl)
        self.agents = build_agent_service(
            self.clock,
            self.accounts,
            self.subjects,
            self.catalogue,
            self.notifier,
            self.vault,
            self.audit,
            self.limiter,
        )
        self.revocations = TokenRevocations(self.clock, self.audit, self.changes)
        self.revoked_keys = RevokedKeys(self.clock, self.revocations, self.changes, cache_ttl)
        self.signing_keys = SigningKeys(
            self.clock,
            self.cipher,
            publish_window=timedelta(seconds=settings.signing_key_publish_seconds),
            changes=self.changes,
        )
        self.tokens = TokenService(
            self.clock,
            self.hasher,
            self.signing_keys,
            TokenPolicy(
                issuer=settings.public_url.rstrip("/"),
                access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
                refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
                session_ttl=timedelta(seconds=settings.session_ttl_seconds),
            ),
            self.changes,
            cache_ttl,
        )
        self.sessions = SessionService(
            self.clock,
            self.hasher,
            self.audit,
            self.tokens,
            self.revocations,
            self.clients,
            self.agents.bindings,
            self.revoked_keys,
        )
        self.browser_sessions = BrowserSessions(self.hasher, self.tokens)
        self.qr_logins = QrLogins(self.clock, self.hasher, self.tokens, self.audit, self.events)
        self.upstream_links = UpstreamLinks(self.clock, self.vault, self.audit)
        self.consents = Consents(self.clock, self.audit)
        self.logout = LogoutService(
            self.clock,
            self.tokens,
            self.clients,
            self.signing_keys,
            self.jobs,
            self.audit,
            self.subjects,
            settings.public_url.rstrip("/"),
        )
        self.oauth_refresh_tokens = OAuthRefreshTokens(
            self.clock,
            self.hasher,
            timedelta(seconds=settings.refresh_token_ttl_seconds),
            self.revocations,
            timedelta(seconds=settings.access_token_ttl_seconds),
        )
        self.authorization_codes = AuthorizationCodes(
            self.clock, self.hasher, self.oauth_refresh_tokens
        )
        self.pushed_requests = PushedRequests(
            self.clock, self.hasher, timedelta(seconds=settings.pushed_request_ttl_seconds)
        )
        self.issued_tokens = IssuedTokens(
            self.revocations,
            self.tokens,
            self.oauth_refresh_tokens,
            self.agents.contexts,
            self.revoked_keys,
            # The rows UserInfo answers from, kept current by the row triggers (PostgreSQL).
            ClaimRowsCache(
                self.changes, cache_ttl if is_postgres(settings.resolved_database_url) else 0.0
            ),
        )
        self.login = LoginService(
            self.clock,
            self.accounts,
            self.captcha,
            self.limiter,
            self.tokens,
            self.audit,
            LoginPolicy(
                max_failures=settings.login_max_failures,
                max_failures_per_address=settings.login_max_failures_per_address,
                window_seconds=settings.login_lockout_window_seconds,
            ),
            self.agents.bindings,
        )
        self.profiles = ProfileService(
            self.clock,
            self.passwords,
            self.vault,
            self.sms,
            self.notifier,
            self.limiter,
            self.audit,
            self.info_updates,
            self.tokens,
            lambda code, field: self.industry.validate(code, field).code,
        )
        self.password_resets = password_reset.PasswordResets(
            self.clock,
            self.hasher,
            self.vault,
            self.limiter,
            self.captcha,
            self.notifier,
            self.audit,
            self.accounts,
            CredentialReset(self.clock),
            AccountSignOut(self.clock, self.login, self.tokens),
            _sms_policy(settings),
        )
        self.activation = activation.ActivationService(
            self.clock, self.vault, self.captcha, self.sms, self.passwords, self.audit
        )
        self.legacy_import = legacy_import.LegacyImport(self.clock, self.vault, self.audit)

        self._build_verification(settings)

    def _build_verification(self, settings: Settings) -> None:
        industry = lambda code, field: self.industry.validate(code, field).code  # noqa: E731
        self.registry_world = load_registry(settings.registry_file)
        self.registry = _registry(settings, self.registry_world)
        self.documents_owned = Documents(self.documents, self.clock)
        self.workdays = WorkingDays(
            load_holiday_file(settings.holiday_file) if settings.holiday_file else None
        )
        notices = Notices(self.notifier, self.vault, self.translate)
        self.verification = VerificationService(
            self.clock,
            self.accounts,
            self.profiles,
            self.vault,
            self.captcha,
            self.limiter,
            self.registry,
            self.jobs,
            notices,
            self.audit,
            industry,
            Policy(
                case_ttl=timedelta(days=settings.verification_case_ttl_days),
                retry_after=timedelta(seconds=settings.registry_retry_seconds),
                submissions=Rule(
                    "verification_submit", settings.verification_submissions_per_day, 86_400
                ),
            ),
        )
        self.reviews = ReviewService(
            self.clock,
            self.verification,
            self.documents_owned,
            self.workdays,
            notices,
            self.audit,
            settings.review_working_days,
        )
        public = settings.public_url.rstrip("/")
        providers = {
            ChallengeKind.FACE: self._challenge_provider(settings, "face"),
            ChallengeKind.BUSINESS_LICENCE: self._challenge_provider(settings, "licence"),
        }
        self.challenges = ChallengeService(
            self.clock,
            self.verification,
            providers,
            notices,
            self.audit,
            public,
            timedelta(seconds=settings.challenge_ttl_seconds),
        )
        self.face_checks = FaceChecks(
            self.clock,
            self.vault,
            self.captcha,
            self.limiter,
            providers[ChallengeKind.FACE],
            self.audit,
            public,
            face_checks.Policy(
                ttl=timedelta(seconds=settings.face_check_ttl_seconds),
                usable=timedelta(seconds=settings.face_check_usable_seconds),
                starts=Rule("face_check_start", settings.face_check_starts_per_hour, 3600),
            ),
        )
        self.agents.attach_face_proofs(AgentAdminFaceProofs(self.face_checks))
        self.confirmations = ConfirmationService(
            self.clock,
            self.vault,
            self.jobs,
            self.events,
            self.audit,
            ConfirmationFaceProofs(self.face_checks),
            JwsSigner(self.signing_keys, settings.public_url.rstrip("/"), "confirmation+jwt"),
            self.documents_owned,
        )
        self.ciba = ciba_flow.CibaService(
            self.clock,
            self.vault,
            self.confirmations,
            self.jobs,
            ciba_flow.Policy(
                settings.ciba_expiry_seconds,
                settings.ciba_max_expiry_seconds,
                settings.ciba_interval_seconds,
            ),
            ACR_VALUES["real_person"],
            timeout=settings.provider_timeout_seconds,
        )
        self.confirmation_webhooks = WebhookSender(
            self.clock,
            JwsSigner(self.signing_keys, settings.public_url.rstrip("/"), "webhook+jwt"),
            timeout=settings.provider_timeout_seconds,
        )
        # One callback route and one return page for both kinds of provider session.
        self.provider_callbacks = ProviderCallbacks(
            self.clock, providers, [self.challenges, self.face_checks.sessions]
        )
        self.upstream_assurance = UpstreamAssurance(
            self.verification,
            self.vault,
            notices,
            self.audit,
            {
                **{uri: AssuranceLevel(level) for level, uri in ACR_VALUES.items()},
                **{
                    acr: AssuranceLevel(level)
                    for acr, level in settings.upstream_acr_levels.items()
                },
            },
        )
        self.reverification = Reverification(
            self.verification, self.profiles, self.vault, self.notifier, industry
        )
        self.appeals = AppealService(
            self.clock,
            self.vault,
            self.hasher,
            self.documents,
            self.sms,
            self.limiter,
            self.notifier,
            self.audit,
            self.profiles,
            self.workdays,
            self.passwords,
            self.tokens,
            self.verification,
            settings.public_url,
            AppealPolicy(working_days=settings.review_working_days),
        )

    def _challenge_provider(self, settings: Settings, kind: str) -> ChallengeProvider:
        if getattr(settings, f"{kind}_provider") == "http":
            secret = getattr(settings, f"{kind}_secret")
            return HttpChallenges(
                kind,
                getattr(settings, f"{kind}_url"),
                secret.get_secret_value().encode(),
                self.clock,
                timeout=settings.provider_timeout_seconds,
            )
        return SandboxChallenges(
            kind,
            settings.public_url.rstrip("/"),
            self.hasher.digest("sandbox_provider", kind).encode(),
            self.registry_world,
            self.clock,
        )

    def job_worker(self) -> JobWorker:
        return JobWorker(
            self.jobs,
            {
                DELIVER_JOB: self.notifier.deliver,
                BACKCHANNEL_JOB: self.logout.deliver,
                REGISTRY_JOB: self.verification.run_registry_job,
                WEBHOOK_JOB: self.confirmation_webhooks.deliver,
                ciba_flow.PING_JOB: self.ciba.ping,
            },
            dead_letter_hooks={DELIVER_JOB: self.notifier.mark_failed},
            batch_size=self.settings.jobs_batch_size,
            poll_seconds=self.settings.jobs_poll_seconds,
        )

    async def agents_session_context(self, session_id: uuid.UUID) -> EnterpriseContext | None:
        """The unit a login session acts for, as partners see it (token claims)."""
        found = await self.tokens.session_context_by_text(str(session_id))
        if found is None or found[1] is None:
            return None
        return await self.agents.contexts.of_person(found[0].id, found[1])

    def sweeps(self) -> dict[str, Sweep]:
        """Periodic housekeeping run beside the job worker (``core/sweeps.py``)."""
        return {
            "agents.expire": self.agents.bindings.expire_due,
            "confirmations.expire": self.confirmations.expire_due,
        }

    async def aclose(self) -> None:
        await self.changes.aclose()
        await self.events.aclose()
        await self.confirmation_webhooks.aclose()
        await self.ciba.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        if isinstance(self.gateway, HttpGateway):
            await self.gateway.aclose()
        await self.registry.aclose()
        for provider in self.provider_callbacks.providers.values():
            await provider.aclose()
