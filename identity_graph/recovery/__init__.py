"""Getting back in: password reset, appeals (申诉) and activation (SPEC §5, §6)."""
