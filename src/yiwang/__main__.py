"""Allow ``python -m yiwang``."""

from yiwang.cli import main

main()
