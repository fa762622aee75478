"""The GraphQL transport: one schema merged from per-domain types, queries and mutations."""
