"""``python -m transforms``."""

from transforms.cli import entry_point

entry_point()
