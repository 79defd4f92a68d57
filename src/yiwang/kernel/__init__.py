"""Shared kernel: identifiers, errors and other pure building blocks every context may import."""
