"""Outbound SMS and e-mail: templates, the outbox record, and delivery gateways."""
