"""The truthfulness pledge (承诺书) a registrant accepts, by version (SPEC §4.4).

A registration names the version it accepted; the account stores that version and when.
A new text gets a new version; registrations that accepted an older one are refused with
``PLEDGE_OUTDATED`` so that nobody is bound by a text the form did not show.
"""

from __future__ import annotations

from dataclasses import dataclass

from identity_graph.core.errors import ValidationFailed


@dataclass(frozen=True)
class Pledge:
    version: str
    text_zh: str
    text_en: str


CURRENT = Pledge(
    version="2026-01",
    text_zh=(
        "本人（本单位）承诺：所填写的注册信息及提交的材料真实、准确、完整、有效，"
        "不冒用他人身份，不提供虚假材料；如有不实，愿承担由此产生的一切法律责任。"
        "本人（本单位）知悉并同意平台为实名认证之目的，向权威数据源核验所填身份信息。"
    ),
    text_en=(
        "I (the unit) declare that the registration data and materials I submit are true,"
        " accurate, complete and valid; that I do not use another person's identity or"
        " provide false materials; and that I bear full legal responsibility otherwise."
        " I (the unit) agree that the platform checks the identity data against"
        " authoritative registries for real-name verification."
    ),
)

MESSAGES = {
    "PLEDGE_REQUIRED": (
        "请阅读并接受真实性承诺书",
        "Please read and accept the truthfulness pledge",
    ),
    "PLEDGE_OUTDATED": (
        "承诺书已更新（当前版本 {current}），请重新阅读并接受",
        "The pledge has changed (current version {current}); please read and accept it again",
    ),
}


def accept(accepted: bool, version: str, prefix: str = "") -> Pledge:
    """The pledge the caller accepted, if it is the current one."""
    if not accepted:
        raise ValidationFailed.single(f"{prefix}pledgeAccepted", "PLEDGE_REQUIRED")
    if version.strip() != CURRENT.version:
        raise ValidationFailed.single(
            f"{prefix}pledgeVersion", "PLEDGE_OUTDATED", current=CURRENT.version
        )
    return CURRENT
