"""Audited data sharing between departments: the access layer, the hash-chained audit log, source status."""
