"""Shared web layer: Jinja2 templates, static files and npm front-end assets, request dependencies."""
