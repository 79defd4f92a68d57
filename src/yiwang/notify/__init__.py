"""Notifications: templates, the transactional outbox, delivery gateways and the in-app message centre."""
