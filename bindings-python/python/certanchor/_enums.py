"""Enumerations shown by reports (their values are the core's stable names).

``Verdict`` and ``Outcome`` members are ``str`` s too (as ``enum.StrEnum``'s
are, which Python 3.9 lacks): ``report.verdict == "valid"`` is true, they
hash as their value, and ``.value``, ``.name`` and ``is`` work as before."""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["Outcome", "ResultCode", "Verdict"]

ResultCode = Literal[
    "ok",
    "not_checked",
    "truncated",
    "non_shortest",
    "indefinite_length",
    "float",
    "unsupported_simple",
    "unsorted_keys",
    "duplicate_key",
    "unexpected_tag",
    "trailing_bytes",
    "trailing_after_zlib",
    "too_deep",
    "too_large",
    "unexpected_type",
    "invalid_utf8",
    "integer_out_of_range",
    "unknown_field",
    "missing_field",
    "unsupported_version",
    "bad_length",
    "invalid_value",
    "invalid_text_form",
    "invalid_cose",
    "digest_mismatch",
    "disclosed_twice",
    "index_out_of_range",
    "path_too_long",
    "wrong_path_length",
    "root_mismatch",
    "invalid_sizes",
    "tree_size_mismatch",
    "no_signature",
    "unknown_key",
    "wrong_issuer_key",
    "key_not_valid",
    "bad_signature",
    "issued_in_future",
    "untrusted_issuer",
    "unauthorized_kind",
    "issuer_mismatch",
    "kind_not_anchored",
    "no_policy",
    "endorsements_missing",
    "no_status",
    "status_missing",
    "stale_status",
    "status_future",
    "status_key_not_valid",
    "status_bad_signature",
    "status_wrong_batch",
    "status_not_covering",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "unknown_kind",
    "schema_violation",
    "no_receipt",
    "receipt_missing",
    "not_in_ledger",
    "note_too_large",
    "too_many_signatures",
    "malformed_note",
    "bad_key_name",
    "bad_note_key",
    "ambiguous_key",
    "unknown_signer",
    "origin_not_signed",
    "bad_checkpoint",
    "unknown_chain",
    "chain_not_checked",
    "chain_unreachable",
    "not_on_chain",
    "chain_mismatch",
    "chain_receipt_mismatch",
    "ledger_not_fresh",
]
"""Every code a check can carry (``Check.code``), in the core's order;
``certanchor.RESULT_CODES`` is the core's own list (a test keeps them equal)."""


class Verdict(str, enum.Enum):
    """The overall result of verifying a bundle."""

    VALID = "valid"
    """Every check passed or was not applicable."""
    INVALID = "invalid"
    """At least one check failed."""
    INDETERMINATE = "indeterminate"
    """Nothing failed, but something required could not be established."""

    def __str__(self) -> str:
        """The stable name, e.g. ``"valid"``."""
        return str(self.value)

    def __format__(self, spec: str) -> str:
        """Formats the stable name (``f"{verdict}"`` is ``"valid"``)."""
        return format(str(self.value), spec)


class Outcome(str, enum.Enum):
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
        return str(self.value)

    def __format__(self, spec: str) -> str:
        """Formats the stable name (``f"{outcome}"`` is ``"passed"``)."""
        return format(str(self.value), spec)
