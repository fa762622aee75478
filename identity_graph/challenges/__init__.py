"""Proofs of presence used by every flow: image captchas and SMS codes (SPEC §3, §5)."""
