"""The GraphiQL page, loading GraphiQL 3 and React 18 from our own ``/static/graphiql``."""

from __future__ import annotations

GRAPHIQL_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>identity_graph · GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/graphiql/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/static/graphiql/react.production.min.js"></script>
  <script src="/static/graphiql/react-dom.production.min.js"></script>
  <script src="/static/graphiql/graphiql.min.js"></script>
  <script src="/static/graphiql/start.js"></script>
</body>
</html>
"""
