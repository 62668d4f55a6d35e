"""verify_many throughput from Python vs. the Rust core on the same bundles.

Run from the repository root after ``maturin develop --release``::

    venv/bin/python bindings-python/bench/bench_verify.py --count 20000

Builds and runs ``cargo run --release --example verify_many_bench`` for the
Rust figure, then prints both and the ratio, and the per-call overhead of
``Verifier.verify`` over the core's ``verify``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import certanchor
from certanchor import sample

ISSUED_AT = sample.JAN_1_2024 + 150 * 86_400
NOW = ISSUED_AT + 86_400
ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    """Runs the benchmark; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()

    issuer = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
    certs = {}
    i = 0
    while len(certs) < args.count:  # demo ids can collide: keep the first
        c = sample.business_license(i)
        certs.setdefault(c["id"], c)
        i += 1
    batch = issuer.issue(list(certs.values()), "bench", issued_at=ISSUED_AT)
    batch.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT)
    texts = [b.to_text() for b in batch.bundles(disclose=["name", "uscc", "registered_capital"])]

    trust = certanchor.TrustStore.from_json(sample.trust_json())
    best_many = best_one = float("inf")
    for _ in range(args.rounds):
        verifier = certanchor.Verifier(trust)
        t = time.perf_counter()
        reports = verifier.verify_many(texts, now=NOW)
        best_many = min(best_many, time.perf_counter() - t)
        assert all(r.is_valid for r in reports)
        t = time.perf_counter()
        for text in texts:
            verifier.verify(text, now=NOW)
        best_one = min(best_one, time.perf_counter() - t)
    py_many = len(texts) / best_many
    py_one_us = best_one / len(texts) * 1e6

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundles.txt"
        path.write_text("\n".join(texts), encoding="utf-8")
        out = subprocess.run(
            ["cargo", "run", "-q", "--release", "-p", "certanchor-python", "--example",
             "verify_many_bench", "--", str(path), str(NOW), str(args.rounds)],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    rust = json.loads(out.strip().splitlines()[-1])
    print(f"bundles: {len(texts)}")
    print(f"verify_many  Python {py_many:10,.0f}/s   Rust {rust['verify_many_per_s']:10,.0f}/s"
          f"   ratio {py_many / rust['verify_many_per_s']:.2f}")
    print(f"verify       Python {py_one_us:8.2f} us   Rust {rust['verify_us']:8.2f} us"
          f"   overhead {py_one_us - rust['verify_us']:+.2f} us/call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
