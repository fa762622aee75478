"""The kernel: errors, clock, secrets, crypto, flows, rate limits, audit, i18n, jobs.

Imports no domain.
"""
