"""Interop with an independent COSE implementation (pycose, RFC 9052).

* pycose verifies every signature of the anchors our code wrote
  (COSE_Sign, tag 98: issuer signature + endorsements).
* pycose writes a COSE_Sign1 (tag 18) status list with a demo key and our
  verifier accepts it (through the `interop` example binary).
"""
import base64
import json
import os
import subprocess
import zlib
from pathlib import Path

import cbor2
import pytest
from pycose.algorithms import EdDSA
from pycose.headers import Algorithm, ContentType, KID
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import CoseMessage, Sign1Message, SignMessage

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "bundles.json").read_text())
INTEROP = os.environ.get("CERTANCHOR_INTEROP_BIN", str(ROOT / "target" / "debug" / "examples" / "interop"))


def public_key(authority_id: str) -> OKPKey:
    a = next(a for a in VECTORS["authorities"] if a["id"] == authority_id)
    return OKPKey(crv=Ed25519, x=base64.b64decode(a["public_key"]))


def private_key(authority_id: str) -> OKPKey:
    a = next(a for a in VECTORS["authorities"] if a["id"] == authority_id)
    der = base64.b64decode("".join(a["demo_private_key_pem"].strip().splitlines()[1:-1]))
    assert der[:16] == bytes.fromhex("302e020100300506032b657004220420")
    seed = der[16:]
    return OKPKey(crv=Ed25519, d=seed, x=base64.b64decode(a["public_key"]))


@pytest.mark.parametrize("anchor", VECTORS["anchors"], ids=lambda a: a["name"])
def test_pycose_verifies_every_anchor_signature(anchor):
    raw = base64.b64decode(anchor["cose"])
    assert raw[:2] == b"\xd8\x62", "COSE_Sign must carry tag 98"
    msg = CoseMessage.decode(raw)
    assert isinstance(msg, SignMessage)
    assert msg.phdr[ContentType] == "application/certanchor-anchor+cbor"
    assert len(msg.signers) == len(anchor["signers"])
    for signer, issuer_id in zip(msg.signers, anchor["signers"]):
        assert signer.phdr[Algorithm] is EdDSA
        signer.key = public_key(issuer_id)
        assert signer.verify_signature(), issuer_id
    # a tampered payload must not verify
    tampered = CoseMessage.decode(raw)
    tampered.payload = tampered.payload[:-1] + bytes([tampered.payload[-1] ^ 1])
    tampered.signers[0].key = public_key(anchor["signers"][0])
    assert not tampered.signers[0].verify_signature()


def test_payload_is_deterministic_cbor():
    msg = CoseMessage.decode(base64.b64decode(VECTORS["anchors"][0]["cose"]))
    body = cbor2.loads(msg.payload)
    assert body["v"] == 1 and len(body["root"]) == 32
    assert cbor2.dumps(body, canonical=True) == msg.payload


def status_list_by_pycose(epoch: int, revoked: list[int], kid_of: str = "cn.beijing.ghzrzyw") -> bytes:
    titles = next(a for a in VECTORS["anchors"] if a["name"] == "titles_endorsed")
    body = cbor2.loads(CoseMessage.decode(base64.b64decode(titles["cose"])).payload)
    bits = bytearray((body["tree_size"] + 7) // 8)
    for i in revoked:
        bits[i // 8] |= 0x80 >> (i % 8)
    payload = cbor2.dumps(
        {
            "v": 1,
            "issuer": body["issuer"],
            "batch": body["batch"],
            "root": body["root"],
            "purpose": "revocation",
            "epoch": epoch,
            "issued_at": body["issued_at"],
            "ttl": 86400,
            "bits": zlib.compress(bytes(bits)),
        },
        canonical=True,
    )
    a = next(a for a in VECTORS["authorities"] if a["id"] == kid_of)
    msg = Sign1Message(
        phdr={Algorithm: EdDSA, ContentType: "application/certanchor-status+cbor", KID: bytes.fromhex(a["key_id"])},
        payload=payload,
    )
    msg.key = private_key(kid_of)
    return msg.encode(tag=True)


def run_interop(raw: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(
        [INTEROP, "check-status", base64.b64encode(raw).decode()], capture_output=True, text=True, timeout=60
    )


def test_our_verifier_accepts_a_pycose_status_list():
    raw = status_list_by_pycose(epoch=7, revoked=[1, 6])
    assert raw[0] == 0xD2, "COSE_Sign1 must carry tag 18"
    out = run_interop(raw)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["epoch"] == 7 and got["set"] == [1, 6] and got["purpose"] == "revocation"


def test_our_verifier_refuses_a_pycose_list_signed_by_another_department():
    raw = status_list_by_pycose(epoch=1, revoked=[], kid_of="cn.beijing.tax")
    out = run_interop(raw)
    assert out.returncode == 1
    assert "untrusted_status_list" in out.stderr
