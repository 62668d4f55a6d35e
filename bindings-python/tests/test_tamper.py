"""Property tests: tampering never panics, never raises, never verifies."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import certanchor
from certanchor import Verdict, sample

from conftest import NOW, issue_titles

_BATCH = issue_titles(4, "py-tamper")
_BUNDLE = _BATCH.bundle(1).to_bytes()
_VERIFIER = certanchor.Verifier(certanchor.TrustStore.from_json(sample.trust_json()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(_BUNDLE) - 1), st.integers(min_value=1, max_value=255))
def test_flipped_byte_never_verifies(pos: int, xor: int) -> None:
    data = bytearray(_BUNDLE)
    data[pos] ^= xor
    report = _VERIFIER.verify(bytes(data), now=NOW)
    assert report.verdict is not Verdict.VALID, (pos, xor)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(_BUNDLE) - 1))
def test_truncated_never_verifies(cut: int) -> None:
    report = _VERIFIER.verify(_BUNDLE[:cut], now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.checks[0].code != "ok"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    try:
        certanchor.Bundle.from_bytes(data)
    except certanchor.DecodeError as e:
        assert e.code
    assert _VERIFIER.verify(data, now=NOW).verdict is not Verdict.VALID


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    assert _VERIFIER.verify(text, now=NOW).verdict is not Verdict.VALID
