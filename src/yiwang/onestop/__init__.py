"""一网通办 applications.

apply with pre-filled data, waived materials, bundles in parallel, 秒批, 告知承诺, 补正, results.
"""
