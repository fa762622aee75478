"""Uploaded documents: content sniffing, per-kind limits, content-hashed storage (SPEC §6.1)."""
