"""Grants ledger.

from a policy match to a paid grant, idempotent end to end; public disclosure and per-policy performance.
"""
