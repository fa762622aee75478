"""Prometheus metrics. Labels are bounded: routes by template, GraphQL operations by their
root fields (from the schema), never by client-chosen names or personal data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "idg_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "idg_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_OPERATIONS = Counter(
    "idg_graphql_operations_total",
    "GraphQL operations by root fields and outcome",
    ["operation", "type", "outcome"],
)
GRAPHQL_LATENCY = Histogram(
    "idg_graphql_operation_duration_seconds",
    "GraphQL operation latency by root fields",
    ["operation", "type"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_QUEUE_DEPTH = Gauge(
    "idg_job_queue_depth", "Jobs in the outbox by state", ["state"], multiprocess_mode="max"
)
