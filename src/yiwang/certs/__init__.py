"""E-certificates (电子证照).

issue, Ed25519 signatures with a published key set, QR verification, revocation, reuse as evidence.
"""
