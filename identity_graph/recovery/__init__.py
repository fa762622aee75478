"""Getting back in: password reset, appeals and enterprise activation (SPEC §5, §6)."""
