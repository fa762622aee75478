"""Real-name verification (实名认证, SPEC §4): rules, document checks, cases, providers, review."""
