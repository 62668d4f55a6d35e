"""Timestamped cosignatures (cosignature/v1, SPEC §9.7) checked by an
independent implementation: Ed25519 from the `cryptography` package and the
format as SPEC §9.7 writes it, nothing of ours.

* Python verifies the ledger's timestamp line and a witness's cosignature
  that our code wrote (`interop cosignature-vectors`).
* Python cosigns the same checkpoint with a key of its own, and our code
  verifies it and reads its time (`interop verify-cosignatures`); a line
  with its time altered is refused.
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ROOT = Path(__file__).resolve().parents[2]
INTEROP = os.environ.get(
    "CERTANCHOR_INTEROP_BIN", str(ROOT / "target" / "debug" / "examples" / "interop")
)
EM_DASH = "\u2014"


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """name+hex+base64(type || key) -> (name, key id, type || key)."""
    name, hex_id, b64 = vkey.split("+", 2)
    return name, bytes.fromhex(hex_id), base64.b64decode(b64, validate=True)


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The text (with its final newline) and the (name, payload) of each signature line."""
    cut = note.rindex("\n\n")
    text, sigs = note[: cut + 1], note[cut + 2 :]
    assert sigs.endswith("\n")
    lines = []
    for line in sigs[:-1].split("\n"):
        assert line.startswith(EM_DASH + " "), line
        name, b64 = line[2:].split(" ")
        lines.append((name, base64.b64decode(b64, validate=True)))
    return text, lines


def message(text: str, time: int) -> bytes:
    return f"cosignature/v1\ntime {time}\n".encode() + text.encode()


def verify_cosignature(text: str, name: str, payload: bytes, public_key: bytes) -> int:
    """Checks one cosignature line; returns its time."""
    assert len(payload) == 4 + 8 + 64
    assert payload[:4] == key_id(name, 0x04, public_key)
    (time,) = struct.unpack(">Q", payload[4:12])
    assert time < 2**63
    Ed25519PublicKey.from_public_bytes(public_key).verify(payload[12:], message(text, time))
    return time


def vectors() -> dict:
    out = subprocess.run([INTEROP, "cosignature-vectors"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_python_verifies_our_ledger_time_and_witness_cosignature():
    v = vectors()
    text, lines = split_note(v["note"])
    origin = text.split("\n")[0]

    ledger_name, ledger_id, ledger_raw = parse_vkey(v["ledger_vkey"])
    assert ledger_name == origin and ledger_raw[0] == 0x01
    ledger_pk = ledger_raw[1:]
    assert ledger_id == key_id(origin, 0x01, ledger_pk)
    witness_name, witness_id, witness_raw = parse_vkey(v["witness_vkey"])
    assert witness_raw[0] == 0x04
    witness_pk = witness_raw[1:]
    assert witness_id == key_id(witness_name, 0x04, witness_pk)

    # 1. the ledger's note signature (type 0x01) over the text
    assert lines[0][0] == origin
    assert lines[0][1][:4] == ledger_id
    Ed25519PublicKey.from_public_bytes(ledger_pk).verify(lines[0][1][4:], text.encode())
    # 2. the ledger's own timestamp: a cosignature/v1 line by the same key and name
    assert lines[1][0] == origin
    assert lines[1][1][:4] != ledger_id
    ledger_time = verify_cosignature(text, origin, lines[1][1], ledger_pk)
    assert ledger_time > 1_700_000_000
    # 3. the witness's cosignature
    assert lines[2][0] == witness_name
    assert verify_cosignature(text, witness_name, lines[2][1], witness_pk) == v["witness_time"]


def test_our_code_verifies_a_python_cosignature(tmp_path):
    v = vectors()
    text, _ = split_note(v["note"])
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    name = "python.witness.test/w9"
    vkey = f"{name}+{key_id(name, 0x04, pk).hex()}+{base64.b64encode(bytes([0x04]) + pk).decode()}"

    def line(time: int, signed_time: int | None = None) -> str:
        sig = sk.sign(message(text, time if signed_time is None else signed_time))
        payload = key_id(name, 0x04, pk) + struct.pack(">Q", time) + sig
        return f"{EM_DASH} {name} {base64.b64encode(payload).decode()}\n"

    def ours(note: str) -> subprocess.CompletedProcess:
        path = tmp_path / "note"
        path.write_text(note, encoding="utf-8")
        return subprocess.run([INTEROP, "verify-cosignatures", str(path), vkey], capture_output=True, text=True)

    good = ours(v["note"] + line(1_712_345_678))
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout) == [
        {"name": name, "key_id": key_id(name, 0x04, pk).hex(), "time": 1_712_345_678}
    ]
    # the time is signed: a line claiming another time is refused
    forged = ours(v["note"] + line(1_712_345_679, signed_time=1_712_345_678))
    assert forged.returncode == 1
    assert "bad_signature" in forged.stderr
    # a cosignature of another text is refused
    other = v["note"].replace("\n1\n", "\n2\n", 1)
    assert ours(other + line(1_712_345_678)).returncode == 1
