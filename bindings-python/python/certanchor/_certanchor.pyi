"""Type stubs of the compiled extension ``certanchor._certanchor``."""

import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Optional, TypedDict, Union, final

from ._enums import Outcome, ResultCode, Verdict

__all__ = [
    "CertanchorError",
    "DecodeError",
    "KeyFormatError",
    "IssueError",
    "TrustStoreError",
    "VerifyError",
    "LedgerError",
    "Mirror",
    "Bundle",
    "TrustStore",
    "Verifier",
    "Report",
    "Check",
    "SigningKey",
    "Issuer",
    "IssuedBatch",
    "sample_business_license",
    "sample_real_estate_title",
    "sample_authorities",
    "sample_key",
    "sample_trust_json",
    "__version__",
    "JAN_1_2024",
    "BATCH_VERIFICATION",
    "RESULT_CODES",
    "REPORT_COLUMNS",
]

__version__: str
JAN_1_2024: int
#: Whether this build checks several Ed25519 signatures in one batch
#: (``verify_many`` over many anchors is about twice as fast with it).
BATCH_VERIFICATION: bool
#: Every code a check can carry (``Check.code``), from the core, in its order.
RESULT_CODES: list[ResultCode]
#: The report columns ``Verifier.verify_columns`` can return, in order.
REPORT_COLUMNS: list[str]

_BundleInput = Union[bytes, bytearray, memoryview, str, "Bundle"]
_ManyInput = Union[Iterable[_BundleInput], "os.PathLike[str]"]
_Errors = Literal["raise", "report"]
_TimeInput = Union[int, datetime, date, None]
_PathInput = Union[str, "os.PathLike[str]"]

class _SyncSummary(TypedDict):
    """What ``Mirror.sync`` did."""

    origin: str
    old_size: int
    new_size: int
    entries_read: int
    anchors: int
    status_lists: int
    resumed: bool

class _LedgerInfo(TypedDict):
    """The ledger a ``Verifier`` made with ``mirror=`` follows."""

    origin: str
    size: int
    time: Optional[int]
    checkpoint: str
    anchors: int
    status_lists: int

class CertanchorError(ValueError):
    """Base class of every certanchor error; ``code`` is the core's stable code."""

    code: str

class DecodeError(CertanchorError):
    """A bundle, anchor, status list or other document did not decode strictly."""

class KeyFormatError(CertanchorError):
    """A key could not be read, generated or used."""

class IssueError(CertanchorError):
    """Issuing, endorsing, disclosing or updating status failed."""

class TrustStoreError(CertanchorError):
    """The trust store document is invalid."""

class VerifyError(CertanchorError):
    """The verifier refused an out-of-band document."""

class LedgerError(CertanchorError):
    """A ledger operation failed."""

    #: For a sync refused as a ``rollback`` or ``fork``: the file in the
    #: mirror's ``evidence/`` directory holding both signed checkpoints.
    evidence: Optional[str]

@final
class Mirror:
    """A verifier's copy of a ledger's index in a local directory (SPEC
    §9.8), brought up to date by ``sync``; ``Verifier(trust, mirror=...)``
    verifies against it. Holds the directory's lock until ``close()`` (or
    the end of a ``with`` block). Not picklable."""

    def __new__(
        cls, state_dir: _PathInput, trust_store: TrustStore, origin: Optional[str] = None
    ) -> Mirror:
        """Opens (or creates) the mirror in ``state_dir`` for the trust
        store's ledger ``origin`` (default: its only one); raises
        ``LedgerError`` (``unknown_ledger``, ``ambiguous_ledger``,
        ``locked``, ``not_a_mirror``)."""
    def sync(self, source: _PathInput, progress: bool = True) -> _SyncSummary:
        """Brings the mirror up to the checkpoint of ``source`` (a published
        directory, a snapshot file or an ``http://`` URL), with the GIL
        released; a tqdm bar with ``progress=True`` when tqdm is installed.
        Raises ``LedgerError`` with the core's code (``rollback``, ``fork``,
        ``bad_snapshot``, …), the mirror left as it was."""
    @property
    def size(self) -> int:
        """Entries verified (0 before the first sync)."""
    @property
    def checkpoint(self) -> Optional[str]:
        """The verified checkpoint (signed note), ``None`` before the first sync."""
    @property
    def origin(self) -> str:
        """The origin of the ledger the mirror follows."""
    @property
    def path(self) -> Path:
        """The mirror's directory."""
    def close(self) -> None:
        """Releases the mirror's lock; the object is unusable afterwards."""
    def __enter__(self) -> Mirror:
        """Returns the mirror itself."""
    def __exit__(self, *_args: object) -> bool:
        """Closes the mirror."""

@final
class Bundle:
    """A proof bundle: binary (deterministic CBOR) or ``CA1:`` text."""

    @staticmethod
    def from_bytes(data: bytes) -> Bundle:
        """Decodes the binary form strictly; raises ``DecodeError``."""
    @staticmethod
    def from_text(text: str) -> Bundle:
        """Decodes the ``CA1:`` text form strictly; raises ``DecodeError``."""
    @staticmethod
    def decode(data: _BundleInput) -> Bundle:
        """Decodes either form; raises ``DecodeError``."""
    def to_bytes(self) -> bytes:
        """The binary form."""
    def __bytes__(self) -> bytes:
        """The binary form."""
    def to_text(self) -> str:
        """The ``CA1:`` text form."""
    def with_fewer_fields(self, names: list[str]) -> Bundle:
        """A smaller bundle disclosing only ``names``."""
    @property
    def header(self) -> dict[str, Any]:
        """The certificate header facts."""
    @property
    def disclosed_names(self) -> list[str]:
        """Names of the disclosed fields (not yet verified)."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON view as Python objects."""
    def to_json(self, indent: Optional[int] = None) -> str:
        """The JSON view as text."""
    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        """Pickles as the binary form."""
    def __eq__(self, other: object, /) -> bool:
        """Equal when the bundles are identical."""
    def __ne__(self, other: object, /) -> bool:
        """Not equal."""
    __hash__: None  # type: ignore[assignment]

@final
class TrustStore:
    """The verifier's trust store. Picklable."""

    @staticmethod
    def from_json(source: Union[str, bytes, os.PathLike[str]]) -> TrustStore:
        """Parses JSON text or a JSON file; raises ``TrustStoreError``."""
    def to_json(self) -> str:
        """Canonical JSON text."""
    @property
    def issuer_ids(self) -> list[str]:
        """Ids of the trusted issuers and departments."""
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickles as JSON text."""

@final
class Check:
    """One check of a report. Picklable; equal when check, outcome, code and
    reason are."""

    @property
    def check(self) -> str:
        """Which check (``format`` … ``ledger``)."""
    @property
    def outcome(self) -> Outcome:
        """The outcome."""
    @property
    def code(self) -> ResultCode:
        """Stable machine code of the result."""
    @property
    def reason(self) -> str:
        """Plain-language reason."""
    @property
    def passed(self) -> bool:
        """True when the check passed."""
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickles as ``(check, outcome, code, reason)``."""
    def __eq__(self, other: object, /) -> bool:
        """Equal when check, outcome, code and reason are."""
    def __ne__(self, other: object, /) -> bool:
        """Not equal."""
    __hash__: None  # type: ignore[assignment]

@final
class Report:
    """The result of verifying one bundle. Picklable (every field travels);
    equal when the reports are."""

    @property
    def verdict(self) -> Verdict:
        """The overall verdict."""
    @property
    def is_valid(self) -> bool:
        """True when the verdict is valid."""
    @property
    def checks(self) -> list[Check]:
        """The ten checks, in order."""
    def check(self, name: str) -> Optional[Check]:
        """The check named ``name``, or ``None``."""
    @property
    def decided_by(self) -> Optional[Check]:
        """The check that decided a verdict other than valid: the first failed
        check, else the first indeterminate one; ``None`` when valid."""
    def failures(self) -> list[Check]:
        """The checks that failed (the reasons of an invalid verdict)."""
    def problems(self) -> list[Check]:
        """The checks that failed or could not be decided: the reasons of any
        verdict but valid."""
    @property
    def disclosed(self) -> dict[str, Any]:
        """Verified disclosed fields, typed by the kind's schema."""
    @property
    def certificate(self) -> Optional[dict[str, Any]]:
        """Header facts, or ``None``."""
    @property
    def issuer(self) -> Optional[str]:
        """The issuing authority's id."""
    @property
    def endorsers(self) -> list[str]:
        """Ids of the departments whose endorsements verified."""
    @property
    def anchor_id(self) -> Optional[str]:
        """The anchor id (hex)."""
    @property
    def batch(self) -> Optional[str]:
        """The batch name."""
    @property
    def authentic(self) -> bool:
        """Whether the claims are genuine (signed, in the batch, authorized); not the verdict."""
    @property
    def verified_at(self) -> datetime:
        """The verification time (aware UTC)."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON view as Python objects."""
    def to_json(self, indent: Optional[int] = None) -> str:
        """The JSON view as text."""
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickles as plain values (every field of the core report)."""
    def __eq__(self, other: object, /) -> bool:
        """Equal when the reports are."""
    def __ne__(self, other: object, /) -> bool:
        """Not equal."""
    __hash__: None  # type: ignore[assignment]

@final
class Verifier:
    """Verifies bundles against a trust store. Thread-safe, picklable (with
    every status list it accepted, and the followed ledger's view)."""

    def __new__(
        cls,
        trust: TrustStore,
        mirror: Union[Mirror, _PathInput, None] = None,
        now: _TimeInput = None,
    ) -> Verifier:
        """A verifier trusting ``trust``; with ``mirror`` (a ``Mirror`` or a
        mirror's directory), verifying against the ledger the mirror has
        verified, its status lists taken in as of ``now`` (default: the
        current time)."""
    @property
    def ledger(self) -> Optional[_LedgerInfo]:
        """The followed ledger (made with ``mirror=``), else ``None``."""
    @property
    def trust_store(self) -> TrustStore:
        """The trust store."""
    def verify(self, bundle: _BundleInput, now: _TimeInput = None) -> Report:
        """Verifies one bundle at ``now`` (default: the current time)."""
    def verify_many(
        self,
        bundles: _ManyInput,
        now: _TimeInput = None,
        progress: bool = False,
        errors: _Errors = "raise",
        threads: Optional[int] = None,
    ) -> list[Report]:
        """Verifies many bundles in parallel with the GIL released, one report
        per input in order. ``bundles``: an iterable of bundles (a single
        ``str`` or ``bytes`` raises ``TypeError``), or a path to a directory
        of bundle files or a JSON Lines file.
        ``progress=True`` shows a tqdm bar (warns if tqdm is missing).
        ``errors="raise"``: an input that is not a bundle raises ``TypeError``
        naming its row; ``"report"``: its report is invalid (``format`` check
        failed, code ``unexpected_type``). ``threads``: threads for this call
        (default: rayon's global pool, ``RAYON_NUM_THREADS`` or all cores)."""
    def verify_columns(
        self,
        bundles: _ManyInput,
        columns: Optional[list[str]] = None,
        fields: Optional[list[str]] = None,
        now: _TimeInput = None,
        progress: bool = False,
        errors: _Errors = "raise",
        threads: Optional[int] = None,
        chunk_size: int = 16384,
    ) -> dict[str, list[Any]]:
        """Verifies as ``verify_many`` does, keeping only ``columns`` (default
        ``input``, ``verdict``, ``check``, ``code``, ``reason``) and the
        disclosed ``fields`` named: ``{name: list}``, one item per input.
        Memory is bounded by ``chunk_size`` inputs and the columns."""
    def verify_to_arrow(
        self,
        bundles: _ManyInput,
        columns: Optional[list[str]] = None,
        fields: Optional[list[str]] = None,
        now: _TimeInput = None,
        progress: bool = False,
        errors: _Errors = "raise",
        threads: Optional[int] = None,
        chunk_size: int = 16384,
    ) -> Any:
        """``verify_columns`` as a ``pyarrow.Table`` (needs pyarrow)."""
    def add_status_list(self, data: bytes, now: _TimeInput = None) -> None:
        """Adds a status list obtained out of band, as of ``now`` (default: the
        current time); raises ``VerifyError`` if it is not usable then."""
    def status_lists(self) -> list[bytes]:
        """The status lists this verifier accepted, encoded (what pickling carries)."""
    def memory_bytes(self) -> int:
        """Bytes held by the verifier's caches and status memory."""
    def __reduce__(self) -> tuple[Any, tuple[Any, ...], dict[str, list[bytes]]]:
        """Pickles as the trust store and the accepted status lists (and the
        followed ledger's checkpoint, anchors and status lists)."""
    def __setstate__(self, state: dict[str, list[bytes]], /) -> None:
        """Takes in pickled status lists as of the current time; raises if one is refused."""

@final
class SigningKey:
    """An Ed25519 signing key."""

    @staticmethod
    def generate() -> SigningKey:
        """A fresh random key."""
    @staticmethod
    def from_pem(pem: str) -> SigningKey:
        """Reads a PKCS#8 PEM private key."""
    def to_pem(self) -> str:
        """The private key as PKCS#8 PEM. Secret."""
    @property
    def public_key(self) -> str:
        """The raw public key in base64."""
    @property
    def public_key_pem(self) -> str:
        """The public key as SPKI PEM."""
    @property
    def key_id(self) -> str:
        """The COSE key id, hex."""

@final
class IssuedBatch:
    """An issued batch: anchor, private records and status lists."""

    @staticmethod
    def from_bytes(data: bytes) -> IssuedBatch:
        """Reads a batch saved with ``to_bytes``."""
    def to_bytes(self) -> bytes:
        """The private record (secret)."""
    @property
    def batch(self) -> str:
        """The batch name."""
    @property
    def issuer(self) -> str:
        """The issuer id."""
    @property
    def anchor(self) -> bytes:
        """The signed anchor."""
    @property
    def anchor_id(self) -> str:
        """The anchor id, hex."""
    @property
    def status_lists(self) -> list[bytes]:
        """The current status lists."""
    @property
    def ids(self) -> list[Optional[str]]:
        """Certificate ids, in batch order."""
    def fields(self, index: int) -> dict[str, Any]:
        """Fields of certificate ``index`` as issued."""
    def index_of(self, id: str) -> Optional[int]:
        """Leaf index of certificate ``id``."""
    def endorse(self, key: SigningKey, at: _TimeInput = None) -> None:
        """Adds a department's endorsement made (and signed as made) at ``at``
        (default: the current time)."""
    def bundle(self, index: int, disclose: Optional[list[str]] = None) -> Bundle:
        """The bundle of certificate ``index``."""
    def bundles(self, disclose: Optional[list[str]] = None) -> list[Bundle]:
        """Bundles of every certificate."""
    def __len__(self) -> int:
        """Number of certificates."""

@final
class Issuer:
    """An issuing authority."""

    def __new__(cls, key: SigningKey, issuer_id: str) -> Issuer:
        """An issuer ``issuer_id`` signing with ``key``."""
    @property
    def id(self) -> str:
        """The issuer id."""
    def issue(
        self,
        certificates: Iterable[Mapping[str, Any]],
        batch: str,
        issued_at: _TimeInput = None,
        decoys: int = 0,
    ) -> IssuedBatch:
        """Issues a batch."""
    def update_status(
        self,
        batch: IssuedBatch,
        purpose: str,
        changes: Union[Mapping[int, bool], Iterable[int]],
        now: _TimeInput = None,
        ttl: int = 86400,
    ) -> bytes:
        """Publishes a new status list for ``batch``."""

def sample_business_license(i: int) -> dict[str, Any]:
    """Demo business license ``i``."""

def sample_real_estate_title(i: int) -> dict[str, Any]:
    """Demo real-estate title ``i``."""

def sample_authorities() -> list[dict[str, Any]]:
    """The demo authorities."""

def sample_key(issuer_id: str) -> SigningKey:
    """A demo authority's signing key."""

def sample_trust_json() -> str:
    """The demo trust store JSON."""
