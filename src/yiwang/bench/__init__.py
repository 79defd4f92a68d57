"""Benchmarks: ``yiwang bench AREA --json`` prints one JSON object as the last line of stdout."""
