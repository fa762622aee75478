"""A partner's confirmation request as typed input, and its checks: every field error at
once, named by the input path (``persons.1.idNumber``), nothing written on error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from identity_graph.accounts.forms import clean_real_name
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.validators import Checks, clean_text, optional_text
from identity_graph.ids.person import validate_id_number
from identity_graph.ids.types import IdType

MAX_PERSONS = 20

MESSAGES = {
    "CONFIRMATION_NO_PERSONS": (
        "请至少列出一名需要确认的人员（最多 {max} 名）",
        "List at least one person to confirm (at most {max})",
    ),
    "CONFIRMATION_PERSON_TWICE": (
        "同一人员在业务中只能出现一次",
        "The same person is listed twice",
    ),
    "CONFIRMATION_WEBHOOK_INVALID": (
        "回调地址须为完整的 https 地址（本机调试可用 http://127.0.0.1）",
        "The webhook must be an absolute https URL (http only on 127.0.0.1 or localhost)",
    ),
}


@dataclass(frozen=True)
class PersonDraft:
    name: str
    id_type: IdType
    id_number: str
    role: str


@dataclass(frozen=True)
class Draft:
    reference: str
    title: str
    summary: str
    persons: Sequence[PersonDraft]
    webhook_url: str | None = None


@dataclass(frozen=True)
class CleanPerson:
    name: str
    id_type: IdType
    id_number: str
    role: str


@dataclass(frozen=True)
class CleanDraft:
    reference: str
    title: str
    summary: str
    persons: list[CleanPerson]
    webhook_url: str | None


def _webhook(value: str | None) -> str | None:
    url = optional_text(value, "webhookUrl", max_length=500)
    if url is None:
        return None
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if (parts.scheme != "https" and not loopback) or not parts.netloc or parts.fragment:
        raise ValidationFailed.single("webhookUrl", "CONFIRMATION_WEBHOOK_INVALID")
    return url


def clean_draft(draft: Draft, clock: Clock) -> CleanDraft:
    checks = Checks()
    today = local_date(clock)
    reference = checks.run(clean_text, draft.reference, "reference", max_length=64)
    title = checks.run(clean_text, draft.title, "title", max_length=100)
    summary = checks.run(clean_text, draft.summary, "summary", max_length=4000)
    webhook = checks.run(_webhook, draft.webhook_url)
    if not 1 <= len(draft.persons) <= MAX_PERSONS:
        checks.fail("persons", "CONFIRMATION_NO_PERSONS", max=MAX_PERSONS)
    persons: list[CleanPerson] = []
    seen: set[tuple[IdType, str]] = set()
    for n, person in enumerate(draft.persons[:MAX_PERSONS]):
        name = clean_real_name(checks, person.name, f"persons.{n}.name")
        parsed = checks.run(
            validate_id_number,
            person.id_type,
            person.id_number,
            f"persons.{n}.idNumber",
            today=today,
        )
        role = checks.run(clean_text, person.role, f"persons.{n}.role", max_length=32)
        if parsed is None or name is None or role is None:
            continue
        if (parsed.id_type, parsed.number) in seen:
            checks.fail(f"persons.{n}.idNumber", "CONFIRMATION_PERSON_TWICE")
        seen.add((parsed.id_type, parsed.number))
        persons.append(CleanPerson(name, parsed.id_type, parsed.number, role))
    checks.raise_if_any()
    assert reference is not None and title is not None and summary is not None
    return CleanDraft(reference, title, summary, persons, webhook)
