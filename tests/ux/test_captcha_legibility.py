"""The captcha as people see it: no confusable characters, every glyph at full size in an
image wide enough for them, dark ink on a light background; the pages offer a new one."""

from __future__ import annotations

import base64
import io
import uuid

from PIL import Image

from identity_graph.challenges.captcha import GLYPH_WIDTH, IMAGE_HEIGHT

CAPTCHA = "{ captcha { id imageDataUrl } }"


async def test_answers_leave_out_confusable_characters_and_images_fit_them(gql, hooks, settings):
    seen: set[str] = set()
    for _ in range(12):
        captcha = (await gql(CAPTCHA))["data"]["captcha"]
        answer = hooks.captcha_answers[uuid.UUID(captcha["id"])]
        seen.update(answer)
        png = base64.b64decode(captcha["imageDataUrl"].split(",", 1)[1])
        image = Image.open(io.BytesIO(png)).convert("L")
        assert image.size == (GLYPH_WIDTH * settings.captcha_length + 24, IMAGE_HEIGHT)
        pixels = sorted(image.tobytes())
        # Ink: a visible share of dark pixels; background: mostly light.
        assert pixels[len(pixels) // 50] < 140, "glyphs too faint"
        assert pixels[len(pixels) // 2] > 200, "background too dark"
    assert not seen & set("0O1IL")
    assert len(seen) > 10  # drawn from a wide alphabet, not a few letters


async def test_login_and_register_pages_offer_a_new_captcha_without_javascript(client):
    for path, query, lang, label in (
        ("/login", {"kind": "enterprise"}, "zh-CN", "看不清，换一张"),
        ("/register", {"lang": "en"}, "en", "Hard to read? Get another"),
    ):
        page = await client.get(path, params={**query, "lang": lang})
        assert label in page.text
        assert '<script src="/static/captcha.js" defer></script>' in page.text
        link = page.text.split('class="captcha-refresh" href="')[1].split('"')[0]
        again = await client.get(link.replace("&amp;", "&"))
        assert again.status_code == 200 and label in again.text
    script = await client.get("/static/captcha.js")
    assert script.status_code == 200 and "captcha { id imageDataUrl }" in script.text
