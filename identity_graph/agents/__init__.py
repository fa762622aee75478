"""Agents (经办人, 代办人, 主代办人) and the services enterprises grant them (SPEC §2.3, §2.4)."""
