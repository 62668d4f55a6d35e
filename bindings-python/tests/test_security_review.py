"""The security review's attacks, mounted through the Python binding.

Each test builds what a holder of a bundle (or of one stolen and revoked
issuer key) can build, and checks that the verifier fails safe: the Python
mirror of the core's tests/security_review.rs. Bundles and status lists are
edited as CBOR (``cbor2``) and re-signed with ``cryptography``'s Ed25519.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Optional

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

import certanchor
from certanchor import Outcome, Verdict, sample

from conftest import ISSUED_AT, NOW

TTL = 86_400
REGULATOR = "cn.beijing.scjgj"
#: The core's cap on a status list's inflated bitstring (status::MAX_STATUS_BITS).
MAX_STATUS_BITS = 2 * 1024 * 1024
STATUS_CONTENT_TYPE = "application/certanchor-status+cbor"


# ------------------------------------------------------------------ helpers


def trust_doc(require_status: bool = True) -> dict[str, Any]:
    """The demo trust store; licenses require status when ``require_status``."""
    doc: dict[str, Any] = json.loads(sample.trust_json())
    for p in doc["policies"]:
        if p["kind"] == "business_license":
            p["require_status"] = require_status
    return doc


def license_policy(doc: dict[str, Any]) -> dict[str, Any]:
    """The business-license policy of ``doc`` (to edit)."""
    policy: dict[str, Any] = next(p for p in doc["policies"] if p["kind"] == "business_license")
    return policy


def verifier_of(doc: dict[str, Any]) -> certanchor.Verifier:
    """A fresh verifier over ``doc``."""
    return certanchor.Verifier(certanchor.TrustStore.from_json(json.dumps(doc)))


def regulator(key: Optional[certanchor.SigningKey] = None) -> certanchor.Issuer:
    """The market regulator, signing with its demo key or ``key``."""
    return certanchor.Issuer(key or sample.key(REGULATOR), REGULATOR)


def licenses(name: str, n: int) -> certanchor.IssuedBatch:
    """Licenses by the regulator, endorsed by the tax bureau, with both status
    lists published (all clear)."""
    b = regulator().issue([sample.business_license(i) for i in range(n)], name, issued_at=ISSUED_AT)
    b.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT + 60)
    for purpose in ("revocation", "suspension"):
        regulator().update_status(b, purpose, [], now=ISSUED_AT, ttl=TTL)
    return b


def status_check(report: certanchor.Report) -> tuple[Outcome, str, str]:
    """The status check's outcome, code and reason."""
    c = report.check("status")
    assert c is not None
    return c.outcome, c.code, c.reason


def format_time(t: int) -> str:
    """Unix seconds as the trust store writes them."""
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ed25519(key: certanchor.SigningKey) -> Ed25519PrivateKey:
    """The same key, for signing by hand."""
    k = load_pem_private_key(key.to_pem().encode(), password=None)
    assert isinstance(k, Ed25519PrivateKey)
    return k


def key_id(key: Ed25519PrivateKey) -> bytes:
    """The COSE key id: the first 16 bytes of SHA-256 of the raw public key."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:16]


def cose_sign1(payload: bytes, key: Ed25519PrivateKey) -> bytes:
    """A COSE_Sign1 status list signed by ``key``, built by hand."""
    # protected header: alg EdDSA (-8), content type, kid; keys in order
    protected = cbor2.dumps({1: -8, 3: STATUS_CONTENT_TYPE, 4: key_id(key)})
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, key.sign(tbs)]))


def payload_of(status_list: bytes) -> dict[str, Any]:
    """The decoded payload of a COSE_Sign1 status list."""
    tag = cbor2.loads(status_list)
    assert isinstance(tag, cbor2.CBORTag) and tag.tag == 18
    body: dict[str, Any] = cbor2.loads(tag.value[2])
    return body


def make_list(
    template: bytes,
    key: Ed25519PrivateKey,
    *,
    purpose: str,
    epoch: int,
    at: int,
    ttl: int,
    revoked: Iterable[int] = (),
    bits: Optional[bytes] = None,
) -> bytes:
    """A status list of ``template``'s batch with the given fields, signed by
    ``key``: leaves ``revoked`` set, or the raw compressed ``bits``."""
    body = payload_of(template)
    if bits is None:
        raw = bytearray(len(zlib.decompress(body["bits"])))
        for i in revoked:
            raw[i // 8] |= 0x80 >> (i % 8)
        bits = zlib.compress(bytes(raw), 9)
    body.update(bits=bits, epoch=epoch, purpose=purpose, issued_at=at, ttl=ttl)
    # the keys keep the decoded (deterministic) order
    return cose_sign1(cbor2.dumps(body), key)


def with_lists(bundle: certanchor.Bundle, lists: list[bytes]) -> bytes:
    """``bundle`` carrying exactly ``lists`` (what any holder can do)."""
    raw = bundle.to_bytes()
    m = cbor2.loads(raw)
    # the bundle is deterministic CBOR, which cbor2's canonical mode writes
    assert cbor2.dumps(m, canonical=True) == raw
    m.pop("status", None)
    if lists:
        m["status"] = lists
    out = cbor2.dumps(m, canonical=True)
    assert certanchor.Bundle.from_bytes(out).to_bytes() == out
    return out


def stripped(bundle: certanchor.Bundle, purpose: str) -> bytes:
    """``bundle`` without its list of ``purpose``."""
    lists = cbor2.loads(bundle.to_bytes())["status"]
    kept = [s for s in lists if payload_of(s)["purpose"] != purpose]
    assert len(kept) == len(lists) - 1
    return with_lists(bundle, kept)


# ------------------------------------------------- 1. a stripped status list


def test_stripping_the_revocation_list_is_not_valid() -> None:
    b = licenses("py-strip-rev", 8)
    regulator().update_status(b, "revocation", {4: True}, now=ISSUED_AT + 10, ttl=TTL)
    full = b.bundle(4)
    bare = stripped(full, "revocation")
    r = verifier_of(trust_doc()).verify(bare, now=NOW)
    outcome, code, reason = status_check(r)
    assert (outcome, code) == (Outcome.INDETERMINATE, "status_missing")
    assert "revocation" in reason
    assert r.verdict is Verdict.INDETERMINATE
    # with the list it is revoked; a verifier that saw it keeps it
    v = verifier_of(trust_doc())
    assert status_check(v.verify(full, now=NOW))[:2] == (Outcome.FAILED, "revoked")
    assert status_check(v.verify(bare, now=NOW))[:2] == (Outcome.FAILED, "revoked")
    # without require_status there is nothing to require: as a bundle with no lists
    r = verifier_of(trust_doc(require_status=False)).verify(bare, now=NOW)
    assert r.is_valid, str(r)


def test_stripping_the_suspension_list_is_not_valid() -> None:
    b = licenses("py-strip-susp", 8)
    regulator().update_status(b, "suspension", {3: True}, now=ISSUED_AT + 10, ttl=TTL)
    bare = stripped(b.bundle(3), "suspension")
    r = verifier_of(trust_doc()).verify(bare, now=NOW)
    outcome, code, reason = status_check(r)
    assert (outcome, code) == (Outcome.INDETERMINATE, "status_missing")
    assert "suspension" in reason
    assert not r.is_valid
    # a policy that names revocation alone is satisfied by the revocation list
    doc = trust_doc()
    license_policy(doc)["status_purposes"] = ["revocation"]
    r = verifier_of(doc).verify(bare, now=NOW)
    assert r.is_valid, str(r)
    # the full bundle is suspended
    r = verifier_of(trust_doc()).verify(b.bundle(3), now=NOW)
    assert status_check(r)[:2] == (Outcome.FAILED, "suspended")


@pytest.mark.parametrize(
    "field, value",
    [
        ("status_purposes", []),
        ("status_purposes", ["revocation", "revocation"]),
        ("status_purposes", ["seizure"]),
        ("max_status_ttl", 0),
    ],
)
def test_bad_status_policies_are_refused(field: str, value: object) -> None:
    doc = trust_doc()
    license_policy(doc)[field] = value
    with pytest.raises(certanchor.TrustStoreError) as e:
        verifier_of(doc)
    assert e.value.code == "invalid_policy"


# ------------------------------------------------- 3. sticky status lists


def rotated_doc(revoked_at: int, second: certanchor.SigningKey) -> dict[str, Any]:
    """The regulator's first key revoked (stolen) at ``revoked_at``, ``second`` added."""
    doc = trust_doc()
    issuer = next(i for i in doc["issuers"] if i["id"] == REGULATOR)
    issuer["keys"][0]["revoked_at"] = format_time(revoked_at)
    issuer["keys"].append(
        {
            "public_key": second.public_key,
            "not_before": format_time(ISSUED_AT),
            "not_after": None,
            "revoked_at": None,
        }
    )
    return doc


def test_a_revoked_keys_backdated_list_does_not_stick() -> None:
    b = licenses("py-sticky", 8)
    template = b.status_lists[0]
    revoked_at = ISSUED_AT + 100
    second = certanchor.SigningKey.generate()
    doc = rotated_doc(revoked_at, second)
    stolen = ed25519(sample.key(REGULATOR))
    forged = [
        make_list(template, stolen, purpose=p, epoch=2**64 - 1, at=ISSUED_AT + 50, ttl=2**40)
        for p in ("revocation", "suspension")
    ]
    attack = with_lists(b.bundle(1), forged)

    # alone: the forged lists are not used (their key is revoked by now)
    v = verifier_of(doc)
    r = v.verify(attack, now=NOW)
    assert not r.is_valid, str(r)
    assert status_check(r)[:2] == (Outcome.INDETERMINATE, "status_key_not_valid")
    with pytest.raises(certanchor.VerifyError) as e:
        v.add_status_list(forged[0], now=NOW)
    assert e.value.code == "untrusted_status_list"

    # the genuine, newer lists signed with the second key
    genuine = regulator(second)
    genuine.update_status(b, "revocation", {1: True}, now=ISSUED_AT + 200, ttl=TTL)
    genuine.update_status(b, "suspension", [], now=ISSUED_AT + 200, ttl=TTL)
    genuine_rev = next(s for s in b.status_lists if payload_of(s)["purpose"] == "revocation")
    assert payload_of(genuine_rev)["epoch"] == 2

    # handed in out of band, the genuine list wins
    v = verifier_of(doc)
    v.add_status_list(genuine_rev, now=NOW)
    assert status_check(v.verify(attack, now=NOW))[:2] == (Outcome.FAILED, "revoked")

    # in a bulk run, another holder's bundle with the genuine lists revokes
    # title 1 everywhere, and the forged bundles change nothing for others
    honest = b.bundle(2).to_bytes()
    inputs = [attack] * 300
    inputs.insert(150, honest)
    for i, r in enumerate(verifier_of(doc).verify_many(inputs, now=NOW)):
        if i == 150:
            assert r.is_valid, str(r)
        else:
            assert status_check(r)[:2] == (Outcome.FAILED, "revoked"), i

    # before the key was revoked, its lists were genuine and are used
    r = verifier_of(doc).verify(attack, now=ISSUED_AT + 60)
    assert status_check(r)[:2] == (Outcome.PASSED, "ok")


def test_a_list_from_the_future_is_refused() -> None:
    b = licenses("py-future-list", 4)
    template = b.status_lists[0]
    key = ed25519(sample.key(REGULATOR))
    future = make_list(template, key, purpose="revocation", epoch=9, at=NOW + 3600, ttl=TTL)
    r = verifier_of(trust_doc()).verify(with_lists(b.bundle(0), [future]), now=NOW)
    assert status_check(r)[:2] == (Outcome.FAILED, "status_future")
    assert r.verdict is Verdict.INVALID
    with pytest.raises(certanchor.VerifyError) as e:
        verifier_of(trust_doc()).add_status_list(future, now=NOW)
    assert e.value.code == "untrusted_status_list"
    # within the clock skew it is accepted
    soon = [
        make_list(template, key, purpose=p, epoch=9, at=NOW + 60, ttl=TTL)
        for p in ("revocation", "suspension")
    ]
    r = verifier_of(trust_doc()).verify(with_lists(b.bundle(0), soon), now=NOW)
    assert r.is_valid, str(r)


# ------------------------------------------------- 5. status-cache memory


def test_junk_status_lists_cost_their_bytes_only() -> None:
    b = licenses("py-junk", 4)
    template = b.status_lists[0]
    junk_key = Ed25519PrivateKey.generate()  # in no trust store
    bits = zlib.compress(bytes(MAX_STATUS_BITS), 9)  # 2 MiB of zeros, about 2 KB
    base = b.bundle(0)
    inputs = [
        with_lists(
            base,
            [
                make_list(
                    template, junk_key, purpose="revocation", epoch=i * 4 + j,
                    at=ISSUED_AT, ttl=TTL, bits=bits,
                )
                for j in range(4)
            ],
        )
        for i in range(200)
    ]
    assert len(zlib.decompress(payload_of(cbor2.loads(inputs[0])["status"][0])["bits"])) == MAX_STATUS_BITS
    v = verifier_of(trust_doc())
    for r in v.verify_many(inputs, now=NOW):
        assert status_check(r)[:2] == (Outcome.FAILED, "status_bad_signature")
        assert r.verdict is Verdict.INVALID
    # 800 lists that would inflate to 1.6 GiB: held as their encodings at most
    held = v.memory_bytes()
    encoded = sum(len(x) for x in inputs)
    assert 0 < held < 4 * encoded, (held, encoded)
    assert v.status_lists() == []


# ------------------------------------------------- 6. order and threads

N = 5000
RUNS = 3


def order_inputs() -> tuple[list[bytes], str]:
    """``[old3]*N + [new5] + [old3]*N``: ``new5`` carries the newer list that
    revokes title 3. Returns the inputs and new5's certificate id."""
    b = licenses("py-order", 8)
    old3 = b.bundle(3).to_bytes()
    regulator().update_status(b, "revocation", {3: True}, now=ISSUED_AT + 30, ttl=TTL)
    new5 = b.bundle(5)
    return [old3] * N + [new5.to_bytes()] + [old3] * N, new5.header["id"]


def order_failures(inputs: list[bytes], new_id: str, progress: bool) -> list[str]:
    """What goes wrong verifying ``inputs`` RUNS times with fresh verifiers."""
    bad = []
    for run in range(RUNS):
        reports = verifier_of(trust_doc()).verify_many(inputs, now=NOW, progress=progress)
        assert len(reports) == len(inputs)
        for i, r in enumerate(reports):
            cert = r.certificate
            assert cert is not None
            if cert["id"] == new_id:
                if not r.is_valid:
                    bad.append(f"run {run}, #{i}: new5 {r!r}")
            elif status_check(r)[:2] != (Outcome.FAILED, "revoked") or r.verdict is not Verdict.INVALID:
                bad.append(f"run {run}, #{i}: old3 {r!r}")
    return bad


@pytest.fixture(scope="module")
def ordered() -> tuple[list[bytes], str]:
    return order_inputs()


def test_verdicts_do_not_depend_on_order(ordered: tuple[list[bytes], str]) -> None:
    inputs, new_id = ordered
    assert order_failures(inputs, new_id, progress=False) == []
    assert order_failures(inputs[::-1], new_id, progress=False) == []


def test_verdicts_do_not_depend_on_progress_chunks(
    ordered: tuple[list[bytes], str], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    inputs, new_id = ordered
    # the progress bar verifies in chunks of 2048: new5 is in the third
    assert order_failures(inputs, new_id, progress=True) == []
    assert "100%" in capsys.readouterr().err


_CHILD = """
import sys
sys.path.insert(0, {tests!r})
import test_security_review as t
inputs, new_id = t.order_inputs()
bad = t.order_failures(inputs, new_id, progress=False)
bad += t.order_failures(inputs, new_id, progress=True)
print(len(bad), *bad[:5], sep="\\n")
"""


@pytest.mark.parametrize("threads", [1, 2])
def test_verdicts_do_not_depend_on_threads(threads: int) -> None:
    pytest.importorskip("tqdm")
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    code = _CHILD.format(tests=str(Path(__file__).resolve().parent))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "0", out.stdout
