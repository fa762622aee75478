"""Request ids: sixteen hexadecimal digits, distinct, and distinct again in a forked
worker (the generator is reseeded there, so two workers never repeat each other's ids)."""

from __future__ import annotations

import os
import re

from identity_graph.observability import new_request_id


def test_sixteen_hex_digits_and_no_repeats() -> None:
    ids = [new_request_id() for _ in range(100_000)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", value) for value in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_child_draws_other_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then leave without pytest's clean-up
        os.write(write, ",".join(new_request_id() for _ in range(100)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split(","))
    parent = {new_request_id() for _ in range(100)}
    assert len(child) == 100 and not child & parent

