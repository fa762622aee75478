"""What the password-reset flow (``recovery/reset.py``) takes and answers, its message
catalog, and the sessions-layer port it ends sessions through (SPEC §5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from identity_graph.accounts.password_policy import Strength
from identity_graph.recovery.reset_models import ResetChannel

MESSAGES = {
    "RESET_CODE_SENT": (
        "如填写的信息与账号预留信息一致，验证码已发送至 {destination}，{minutes} 分钟内有效",
        "If the details match the account, a code was sent to {destination}; it is valid for"
        " {minutes} minutes",
    ),
    "RESET_FLOW_INVALID": (
        "找回密码流程无效，请重新开始",
        "This password reset is not valid; please start again",
    ),
    "RESET_CODE_WRONG": ("验证码错误", "Wrong code"),
    "RESET_CODE_EXPIRED": ("验证码已过期，请重新获取", "The code has expired; start again"),
    "RESET_CODE_USED": ("验证码已使用，请重新获取", "The code was already used; start again"),
    "RESET_CODE_EXHAUSTED": (
        "验证码错误次数过多，请重新获取",
        "Too many wrong codes; start again",
    ),
    "RESET_SUPERSEDED": (
        "已有更新的找回密码请求，请使用最新收到的验证码",
        "A newer reset was started; use the latest code",
    ),
    "UNIT_MISMATCH": (
        "单位名称或统一社会信用代码与账号登记信息不一致",
        "The unit name or credit code does not match the account",
    ),
    "RESET_REASON_REQUIRED": ("请选择密码修改原因", "Choose why the password is changed"),
}


class ResetReason(StrEnum):
    """密码修改原因 (seed 002 §3.1.1 step 5)."""

    FORGOTTEN = "forgotten"
    SUSPECTED_LEAK = "suspected_leak"
    ROUTINE = "routine"
    OTHER = "other"


class SignOut(Protocol):
    """Implemented by the sessions layer (``sessions/account_reset.py``)."""

    async def end_everything(self, account_id: uuid.UUID, reason: str) -> int: ...

    async def clear_lockout(self, account_id: uuid.UUID) -> None: ...


@dataclass(frozen=True)
class PersonReset:
    """A resident's start: login name (or mobile), the channel and its reserved address."""

    login_name: str
    channel: ResetChannel
    destination: str
    captcha_id: str | None
    captcha_answer: str | None


@dataclass(frozen=True)
class UnitReset:
    """A unit's start: account name or credit code, legal representative name and ID."""

    identifier: str
    representative_name: str
    id_number: str
    captcha_id: str | None
    captcha_answer: str | None


@dataclass(frozen=True)
class ResetStarted:
    flow_id: uuid.UUID
    channel: ResetChannel
    masked_destination: str
    expires_at: datetime
    resend_after_seconds: int


@dataclass(frozen=True)
class ResetCompletion:
    flow_id: str
    code: str
    new_password: str
    reason: ResetReason | None
    unit_name: str | None = None
    uscc: str | None = None


@dataclass(frozen=True)
class ResetDone:
    strength: Strength
    sessions_ended: int
