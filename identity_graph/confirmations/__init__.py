"""One person, one matter, one verification (一人一事一认证, SPEC §8): per-filing identity
confirmation by every person a partner's business filing names."""
