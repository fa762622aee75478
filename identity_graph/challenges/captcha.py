"""Image captchas as single-use, expiring challenges.

```mermaid
stateDiagram-v2
    [*] --> issued: issue() (PNG returned once, answer kept as HMAC)
    issued --> used: verify() — right or wrong, an answer burns the captcha
    issued --> [*]: expires_at passes (answers then get CAPTCHA_EXPIRED)
```

Answers compare case-insensitively. Tests read answers through ``answer_sink``, a hook the
container sets only in tests; production never exposes them.

Legible to people, still hard for OCR: the alphabet leaves out the characters people
confuse (0/O, 1/I/L), the image is wide enough for every glyph at full size (the library
squeezes text wider than the image), glyphs are large and dark on a light background, and
the distortions OCR trips on stay: per-glyph rotation and warp, overlap, noise dots and a
noise curve in the text's colour. The pages offer "看不清，换一张" (a new captcha in place).
"""

from __future__ import annotations

import base64
import io
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from captcha.image import ImageCaptcha, random_color

from identity_graph.challenges.models import CaptchaChallenge, CaptchaState
from identity_graph.core.clock import Clock
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.core.secrets import SecretHasher

# No 0/O, 1/I/L: characters people misread in a distorted image.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PURPOSE = "captcha"
# Image geometry: room per glyph at the largest font size, so no glyph is squeezed.
GLYPH_WIDTH = 46
IMAGE_HEIGHT = 90
FONT_SIZES = (54, 58, 62)
# Text colour channels stay dark (background channels are 238-255): contrast for people.
_INK = (30, 100)
# The library pastes a glyph with its luminance as opacity (made for light ink): dark ink
# would come out faint, so every inked pixel is opaque and only the anti-aliased edges blend.
_OPAQUE_INK = [min(255, level * 9) for level in range(256)]

MESSAGES = {
    "CAPTCHA_REQUIRED": ("请输入图形验证码", "Enter the image captcha"),
    "CAPTCHA_WRONG": ("图形验证码错误，请刷新后重试", "Wrong captcha; get a new one and retry"),
    "CAPTCHA_EXPIRED": ("图形验证码已过期，请刷新", "The captcha has expired; get a new one"),
    "CAPTCHA_USED": ("图形验证码已使用，请刷新", "The captcha was already used; get a new one"),
    "CAPTCHA_INVALID": ("图形验证码无效，请刷新", "Unknown captcha; get a new one"),
}


@dataclass(frozen=True)
class IssuedCaptcha:
    id: uuid.UUID
    image_data_url: str
    expires_at: datetime


class CaptchaService:
    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        limiter: RateLimiter,
        *,
        ttl_seconds: int,
        length: int,
        per_ip_per_minute: int,
        answer_sink: Callable[[uuid.UUID, str], None] | None = None,
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._limiter = limiter
        self._ttl = timedelta(seconds=ttl_seconds)
        self._length = length
        self._rule = Rule("captcha_issue_ip", per_ip_per_minute, 60)
        self._sink = answer_sink
        self._images = ImageCaptcha(
            width=GLYPH_WIDTH * length + 24, height=IMAGE_HEIGHT, font_sizes=FONT_SIZES
        )
        self._images.character_rotate = (-20, 20)  # the library's ±30° turns M into W
        self._images.lookup_table = _OPAQUE_INK

    async def issue(self, client_ip: str) -> IssuedCaptcha:
        await self._limiter.enforce(self._rule, client_ip)
        answer = "".join(secrets.choice(ALPHABET) for _ in range(self._length))
        png = await anyio.to_thread.run_sync(self._render, answer)
        now = self._clock.now()
        challenge = await CaptchaChallenge.create(
            id=uuid.uuid4(),
            answer_hmac=self._hasher.digest(PURPOSE, answer),
            created_at=now,
            expires_at=now + self._ttl,
        )
        if self._sink is not None:
            self._sink(challenge.id, answer)
        data_url = "data:image/png;base64," + base64.b64encode(png).decode()
        return IssuedCaptcha(challenge.id, data_url, challenge.expires_at)

    def _render(self, answer: str) -> bytes:
        ink = random_color(*_INK, opacity=255)
        image = self._images.generate_image(answer, fg_color=ink)
        out = io.BytesIO()
        image.save(out, format="png")
        return out.getvalue()

    async def verify(
        self, captcha_id: str | None, answer: str | None, field: str = "captcha"
    ) -> None:
        """Consume the captcha; raise ``ValidationFailed`` on ``field`` unless it is right."""
        if not captcha_id or not answer:
            raise ValidationFailed.single(field, "CAPTCHA_REQUIRED")
        try:
            key = uuid.UUID(captcha_id)
        except ValueError:
            raise ValidationFailed.single(field, "CAPTCHA_INVALID") from None
        challenge = await CaptchaChallenge.get_or_none(id=key)
        if challenge is None:
            raise ValidationFailed.single(field, "CAPTCHA_INVALID")
        if challenge.is_expired(self._clock):
            raise ValidationFailed.single(field, "CAPTCHA_EXPIRED")
        claimed = await CaptchaChallenge.filter(id=key, state=CaptchaState.ISSUED).update(
            state=CaptchaState.USED, used_at=self._clock.now()
        )
        if not claimed:
            raise ValidationFailed.single(field, "CAPTCHA_USED")
        if not self._hasher.matches(PURPOSE, answer.strip().upper(), challenge.answer_hmac):
            raise ValidationFailed.single(field, "CAPTCHA_WRONG")
