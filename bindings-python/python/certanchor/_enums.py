"""Enumerations shown by reports (their values are the core's stable names)."""

from __future__ import annotations

import enum

__all__ = ["Outcome", "Verdict"]


class Verdict(enum.Enum):
    """The overall result of verifying a bundle."""

    VALID = "valid"
    """Every check passed or was not applicable."""
    INVALID = "invalid"
    """At least one check failed."""
    INDETERMINATE = "indeterminate"
    """Nothing failed, but something required could not be established."""

    def __str__(self) -> str:
        """The stable name, e.g. ``"valid"``."""
        return self.value


class Outcome(enum.Enum):
    """The outcome of one check."""

    PASSED = "passed"
    """The check passed."""
    FAILED = "failed"
    """The check failed: the verdict is invalid."""
    INDETERMINATE = "indeterminate"
    """The check could not be decided."""
    SKIPPED = "skipped"
    """The check does not apply, or an earlier one failed."""

    def __str__(self) -> str:
        """The stable name, e.g. ``"passed"``."""
        return self.value
