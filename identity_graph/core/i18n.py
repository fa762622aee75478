"""Messages in the caller's language: zh-CN by default, English by ``Accept-Language``.

Each domain owns a catalog ``{code: (zh-CN, en)}``; the container merges them into one
``Translator``. Codes are the stable contract; messages may be reworded. A parameter that
names fields or enum members is a ``labels.Named`` and is shown by its labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from identity_graph.core.labels import Named, labels

Locale = Literal["zh-CN", "en"]
DEFAULT_LOCALE: Locale = "zh-CN"
Catalog = Mapping[str, tuple[str, str]]

CORE_MESSAGES: Catalog = {
    "VALIDATION_FAILED": ("输入有误，请检查标注的字段", "Some fields are invalid"),
    "RATE_LIMITED": (
        "操作过于频繁，请在 {retry_after} 秒后重试",
        "Too many attempts; try again in {retry_after} seconds",
    ),
    "NOT_AUTHORIZED": ("您无权执行此操作", "You are not allowed to do this"),
    "NOT_AUTHENTICATED": ("请先登录", "Please log in first"),
    "INVALID_STATE": ("当前状态不允许此操作", "This is not allowed in the current state"),
    "FLOW_EXPIRED": ("流程已过期，请重新开始", "This flow has expired; please start again"),
    "REQUIRED": ("此项为必填项", "This field is required"),
    "TOO_LONG": ("长度不能超过 {max} 个字符", "Must be at most {max} characters"),
    "CONTROL_CHARACTERS": (
        "包含不允许的控制字符或无效字符",
        "Contains control characters or invalid characters",
    ),
    "INVALID_FORMAT": ("格式不正确", "Invalid format"),
    "TOO_MANY_ITEMS": ("最多只能提交 {max} 项", "At most {max} items"),
    "FILE_EXPECTED": (
        "请以文件形式上传（GraphQL multipart 请求）",
        "Send a file here (GraphQL multipart request)",
    ),
    "CIPHERTEXT_INVALID": ("数据无法解密", "Data cannot be decrypted"),
    "BAD_REQUEST": ("请求格式不正确", "Malformed request"),
    "PAYLOAD_TOO_LARGE": ("请求体过大", "Request body too large"),
    "UNSUPPORTED_MEDIA_TYPE": ("不支持的请求类型", "Unsupported content type"),
    "METHOD_NOT_ALLOWED": ("不支持的请求方法", "Method not allowed"),
    "NOT_FOUND": ("未找到", "Not found"),
    "CURSOR_INVALID": ("分页游标无效", "Invalid cursor"),
    "PAGE_FIRST_AND_LAST": (
        "first 与 last 只能指定其一",
        "Give either first or last, not both",
    ),
    "PAGE_SIZE_INVALID": ("每页数量须在 1 到 {max} 之间", "Page size must be between 1 and {max}"),
    "MALFORMED_JSON": ("请求体不是合法的 JSON", "The request body is not valid JSON"),
    "MUTATION_OVER_GET": ("变更操作必须使用 POST", "Mutations must be sent with POST"),
    "UNKNOWN_OPERATION": ("文档中没有该名称的操作", "No operation with that name in the document"),
    "TOO_MANY_OPERATIONS": ("批量请求的操作过多", "Too many operations in one batch"),
    "OPERATION_NAME_REQUIRED": (
        "文档包含多个操作，请随请求给出要执行的操作名称",
        "The document has several operations: send the name of the one to run with the request",
    ),
    "QUERY_MISSING": ("缺少 GraphQL 查询", "No GraphQL query in the request"),
    "REQUEST_NOT_OBJECT": (
        "请求须为 JSON 对象（批量请求为对象数组）",
        "The request must be a JSON object (a batch: a non-empty list of objects)",
    ),
    "QUERY_TOO_DEEP": ("查询嵌套层级过深", "The query is nested too deeply"),
    "TOO_MANY_ALIASES": ("查询使用的别名过多", "The query uses too many aliases"),
    "QUERY_TOO_COMPLEX": (
        "查询展开片段后选择的字段过多",
        "The query selects too many fields once its fragments are expanded",
    ),
    "INTROSPECTION_TOO_DEEP": (
        "内省查询嵌套层级过深",
        "The introspection query is nested too deeply",
    ),
    "VARIABLE_UNUSED": ("声明的变量未被使用", "A declared variable is never used"),
    "TOO_MANY_TOKENS": ("查询过长", "The query is too long"),
    "VARIABLE_INVALID": ("变量值不符合类型要求", "A variable does not match its declared type"),
    "INTROSPECTION_DISABLED": ("已关闭内省查询", "Introspection is disabled"),
    "TOO_MANY_CONNECTIONS": (
        "实时连接数已达上限，请关闭其他页面后重试",
        "Too many live connections for this account; close some and try again",
    ),
    "REQUEST_TIMEOUT": (
        "请求处理超时，请简化查询或稍后重试",
        "The request took too long and was stopped; simplify it or try again later",
    ),
    "REPRESENTATION_INVALID": (
        "实体表示须为对象，__typename 为 Account、NaturalPerson 或 Enterprise，"
        "其中的文字不超过 200 个字符且不含控制字符",
        "A representation must be an object whose __typename is Account, NaturalPerson or "
        "Enterprise, with strings of at most 200 characters and no control characters",
    ),
    "INTERNAL_ERROR": ("服务器内部错误，请稍后重试", "Internal error; please try again later"),
    "SERVICE_UNAVAILABLE": (
        "服务暂时不可用，请在 {retry_after} 秒后重试",
        "The service is temporarily unavailable; please try again in {retry_after} seconds",
    ),
}


def negotiate(accept_language: str | None) -> Locale:
    """Pick zh-CN or en from an ``Accept-Language`` header, honouring q-values."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, *params = part.split(";")
        quality = _quality(params)
        if quality > 0:  # q=0 means "not acceptable" (RFC 9110 §12.4.2), not "least preferred"
            ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def _quality(params: list[str]) -> float:
    """The ``q`` parameter in [0, 1]; malformed, NaN or out of range counts as 0."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


class Translator:
    """Renders a code and its parameters as a message in one locale."""

    def __init__(self, catalogs: Iterable[Catalog]) -> None:
        self._messages: dict[str, tuple[str, str]] = {}
        for catalog in catalogs:
            duplicated = self._messages.keys() & catalog.keys()
            if duplicated:
                raise ValueError(f"message codes defined twice: {sorted(duplicated)}")
            self._messages.update(catalog)

    def __contains__(self, code: str) -> bool:
        return code in self._messages

    def __call__(self, code: str, locale: Locale = DEFAULT_LOCALE, **params: Any) -> str:
        pair = self._messages.get(code)
        if pair is None:
            return code
        template = pair[0] if locale == "zh-CN" else pair[1]
        # Field and enum names are shown by their labels (core/labels.py), never raw.
        params = {
            key: labels(value.names, locale) if isinstance(value, Named) else value
            for key, value in params.items()
        }
        try:
            return template.format(**params)
        except (KeyError, IndexError):
            return template
