"""Identifier validators for persons and units (SPEC §12, ``reference/cn_ids.md``).

Pure functions over strings and dates: no database, no clock, no I/O, so registration,
login, verification and the legacy import share one definition of "a valid number".
``types`` names the ID types and regions, ``person`` checks personal ID numbers and
``units`` checks unified social credit codes and organisation codes.
"""
