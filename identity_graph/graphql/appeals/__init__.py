"""Appeals over GraphQL (SPEC §6.1, §6.2): public submission and status, reviewer console."""
