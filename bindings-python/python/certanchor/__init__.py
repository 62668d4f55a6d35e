"""certanchor: verify (and issue) anchored electronic-certificate proof bundles.

A thin Python layer over the certanchor Rust core: every format, rule and
check lives in Rust; this package converts types and errors and releases the
GIL while the core works.

>>> import certanchor
>>> from certanchor import sample
>>> trust = certanchor.TrustStore.from_json(sample.trust_json())
>>> verifier = certanchor.Verifier(trust)
"""

from __future__ import annotations

from . import sample
from ._certanchor import (
    BATCH_VERIFICATION,
    REPORT_COLUMNS,
    RESULT_CODES,
    Bundle,
    CertanchorError,
    Check,
    DecodeError,
    IssuedBatch,
    IssueError,
    Issuer,
    KeyFormatError,
    LedgerError,
    Mirror,
    Report,
    SigningKey,
    TrustStore,
    TrustStoreError,
    Verifier,
    VerifyError,
    __version__,
)
from ._enums import Outcome, ResultCode, Verdict

__all__ = [
    "BATCH_VERIFICATION",
    "Bundle",
    "CertanchorError",
    "Check",
    "DecodeError",
    "IssueError",
    "IssuedBatch",
    "Issuer",
    "KeyFormatError",
    "LedgerError",
    "Mirror",
    "Outcome",
    "REPORT_COLUMNS",
    "RESULT_CODES",
    "Report",
    "ResultCode",
    "SigningKey",
    "TrustStore",
    "TrustStoreError",
    "Verdict",
    "Verifier",
    "VerifyError",
    "__version__",
    "sample",
]
