async def test_captcha_query(gql, hooks):
    body = await gql("{ captcha { id imageDataUrl expiresAt } }")
    assert body["data"]["captcha"]["imageDataUrl"].startswith("data:image/png;base64,")
