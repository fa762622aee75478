"""Accounts: natural persons, enterprises and staff, their credentials and profiles (SPEC §2)."""
