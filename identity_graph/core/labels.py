"""Labels of the field and enum names that messages name, in both languages (issue 14).

A message never shows a code name ("修改idNumber可能…", "请上传ID_BACK", "不一致（proxy）"):
a parameter that names fields or enum members is passed as ``Named(...)`` and
``Translator`` renders each name by its label in the caller's language, joined as the
language lists things ("、" in Chinese, ", " in English). ``Named`` is a ``str`` (the names
joined by ", "), so wherever a parameter is stored or serialised it stays the stable code.

Keys are the input paths GraphQL and the pages use (``legalRepresentative.idNumber``), the
field names registries report (``base.PERSON_FIELDS``/``UNIT_FIELDS``) and enum values
(``DocumentKind``). ``tests/test_message_labels.py`` checks every name a message can name
has a label, and that no catalog message spells a code name itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal

LabelLocale = Literal["zh-CN", "en"]

LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        # A person's identity (registration, verification and re-verification forms).
        "realName": ("姓名", "name"),
        "phone": ("手机号码", "mobile number"),
        "regionType": ("证件所属地区", "region of the ID document"),
        "idType": ("证件类型", "ID document type"),
        "idNumber": ("证件号码", "ID number"),
        "idValidFrom": ("证件有效期起始日期", "date the ID document is valid from"),
        "idValidUntil": ("证件有效期截止日期", "date the ID document is valid until"),
        "idLongTerm": ("证件长期有效", "long-term validity of the ID document"),
        # A unit's identity.
        "unitName": ("单位名称", "unit name"),
        "legalPersonType": ("法人类型", "legal person type"),
        "uscc": ("统一社会信用代码", "unified social credit code"),
        "unitIdentifier": ("单位标识", "unit identifier"),
        "unitNature": ("单位性质", "nature of the unit"),
        "foundingDate": ("成立日期", "founding date"),
        "legalRepresentative.name": ("法定代表人姓名", "legal representative's name"),
        "legalRepresentative.idType": ("法定代表人证件类型", "legal representative's ID type"),
        "legalRepresentative.idNumber": (
            "法定代表人证件号码",
            "legal representative's ID number",
        ),
        # The unit's registration form (input paths under ``unit``).
        "unit.name": ("单位名称", "unit name"),
        "unit.regionType": ("单位所属地区", "region of the unit"),
        "unit.legalPersonType": ("法人类型", "legal person type"),
        "unit.uscc": ("统一社会信用代码", "unified social credit code"),
        "unit.unitIdentifier": ("单位标识", "unit identifier"),
        "unit.address": ("单位地址", "unit address"),
        "unit.foundingDate": ("成立日期", "founding date"),
        # As registries report them (base.UNIT_FIELDS).
        "legalRepresentativeName": ("法定代表人姓名", "legal representative's name"),
        "legalRepresentativeIdNumber": ("法定代表人证件号码", "legal representative's ID number"),
        "proxy": ("经办人与单位的关联", "the agent's link to the unit"),
        # A permission check (canHandleService, POST /agents/service-permission).
        "serviceCode": ("事项编码", "service code"),
        "enterpriseId": ("单位 ID", "unit id"),
        "personId": ("经办人标识", "person identifier"),
        # Document slots (files.DocumentKind).
        "ID_FRONT": ("证件正面照片", "front of the ID document"),
        "ID_BACK": ("证件背面照片", "back of the ID document"),
        "BUSINESS_LICENCE": ("营业执照", "business licence"),
        "AUTHORISATION_LETTER": ("授权委托书", "letter of authorisation"),
        "HOLDING_ID_PHOTO": ("手持证件照片", "photo of you holding the ID document"),
        "OTHER": ("其他材料", "other document"),
    }
)
_SEPARATORS = {"zh-CN": "、", "en": ", "}


class Named(str):
    """Field or enum names as a message parameter, shown by their labels."""

    names: tuple[str, ...]

    def __new__(cls, *names: str) -> Named:
        value = super().__new__(cls, ", ".join(names))
        value.names = tuple(names)
        return value

    @classmethod
    def of(cls, names: Iterable[str]) -> Named:
        return cls(*names)


def label(name: str, locale: LabelLocale) -> str:
    """The label of one name in ``locale`` (the name itself if it has none)."""
    pair = LABELS.get(name)
    if pair is None:
        return name
    return pair[0] if locale == "zh-CN" else pair[1]


def labels(names: Iterable[str], locale: LabelLocale) -> str:
    """The labels of several names, listed as ``locale`` lists things."""
    return _SEPARATORS[locale].join(label(name, locale) for name in names)
