"""The ID types a person may register with, their regions, and the province-code table.

SPEC §2.1 and §4.3 fix the three region types and which ID type belongs to which region;
a registration form uses ``REGION_OF`` to offer only the matching types. ``PROVINCES`` is
the province level of GB/T 2260 as ``reference/cn_ids.md`` §1.1 lists it: only the first
two digits are checked, because the county part of an ID number is the code in force when
the number was assigned and may since have been abolished.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class RegionType(StrEnum):
    """Where a natural person's identity document comes from (SPEC §2.1)."""

    MAINLAND = "mainland"
    HMT = "hmt"
    OTHER = "other"


class IdType(StrEnum):
    """Identity documents accepted for natural persons (SPEC §4.3)."""

    RESIDENT_ID_CARD = "resident_id_card"
    FOREIGNER_PERMANENT_RESIDENCE_ID = "foreigner_permanent_residence_id"
    EXIT_ENTRY_PERMIT_HK_MACAO = "exit_entry_permit_hk_macao"
    TRAVEL_PERMIT_TAIWAN = "travel_permit_taiwan"
    MAINLAND_TRAVEL_PERMIT_HK_MACAO = "mainland_travel_permit_hk_macao"
    MAINLAND_TRAVEL_PERMIT_TAIWAN = "mainland_travel_permit_taiwan"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    FOREIGN_PASSPORT = "foreign_passport"


class Gender(StrEnum):
    """Gender as GB 11643 encodes it: odd sequence digit male, even female."""

    MALE = "male"
    FEMALE = "female"


# SPEC §4.3 files the two permits mainland residents use to travel to HK/Macao and Taiwan
# under HMT, next to the permits HMT residents hold; the table is followed as written.
REGION_OF: Mapping[IdType, RegionType] = MappingProxyType(
    {
        IdType.RESIDENT_ID_CARD: RegionType.MAINLAND,
        IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: RegionType.MAINLAND,
        IdType.EXIT_ENTRY_PERMIT_HK_MACAO: RegionType.HMT,
        IdType.TRAVEL_PERMIT_TAIWAN: RegionType.HMT,
        IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO: RegionType.HMT,
        IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN: RegionType.HMT,
        IdType.HMT_RESIDENCE_PERMIT: RegionType.HMT,
        IdType.FOREIGN_PASSPORT: RegionType.OTHER,
    }
)

PROVINCES: Mapping[str, str] = MappingProxyType(
    {
        "11": "北京市",
        "12": "天津市",
        "13": "河北省",
        "14": "山西省",
        "15": "内蒙古自治区",
        "21": "辽宁省",
        "22": "吉林省",
        "23": "黑龙江省",
        "31": "上海市",
        "32": "江苏省",
        "33": "浙江省",
        "34": "安徽省",
        "35": "福建省",
        "36": "江西省",
        "37": "山东省",
        "41": "河南省",
        "42": "湖北省",
        "43": "湖南省",
        "44": "广东省",
        "45": "广西壮族自治区",
        "46": "海南省",
        "50": "重庆市",
        "51": "四川省",
        "52": "贵州省",
        "53": "云南省",
        "54": "西藏自治区",
        "61": "陕西省",
        "62": "甘肃省",
        "63": "青海省",
        "64": "宁夏回族自治区",
        "65": "新疆维吾尔自治区",
        "71": "台湾省",
        "81": "香港特别行政区",
        "82": "澳门特别行政区",
    }
)
