"""The one exception type a user sees.

Every failure caused by input (a file, a folder, a setting) is raised as an
:class:`SccscoreError` whose message names the file and the problem in one line.
The CLI prints that line and exits with status 2; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations


class SccscoreError(Exception):
    """A problem with the user's input, reported as one line."""


class ImageReadError(SccscoreError):
    """An image file could not be read or decoded; ``reason`` says why, without the path."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class DataError(SccscoreError):
    """Sample data or released models are missing, incomplete or corrupted."""


class ModelError(SccscoreError):
    """A model reference or checkpoint is invalid."""
