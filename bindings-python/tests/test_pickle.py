"""Verifier, TrustStore and Bundle pickle (so they ship to worker processes)."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import certanchor

from conftest import NOW


def _verify_in_child(args: tuple[certanchor.Verifier, bytes]) -> str:
    verifier, bundle = args
    return verifier.verify(bundle, now=NOW).verdict.value


def test_trust_store(trust: certanchor.TrustStore) -> None:
    again = pickle.loads(pickle.dumps(trust))
    assert isinstance(again, certanchor.TrustStore)
    assert again.to_json() == trust.to_json()


def test_verifier(verifier: certanchor.Verifier, titles: certanchor.IssuedBatch) -> None:
    again = pickle.loads(pickle.dumps(verifier))
    assert isinstance(again, certanchor.Verifier)
    assert again.trust_store.to_json() == verifier.trust_store.to_json()
    assert again.verify(titles.bundle(0), now=NOW).is_valid


def test_bundle(titles: certanchor.IssuedBatch) -> None:
    b = titles.bundle(1, disclose=["location"])
    assert pickle.loads(pickle.dumps(b)) == b


def test_verifier_in_worker_process(
    verifier: certanchor.Verifier, titles: certanchor.IssuedBatch
) -> None:
    with ProcessPoolExecutor(2) as pool:
        out = list(pool.map(_verify_in_child, [(verifier, titles.bundle(i).to_bytes()) for i in range(4)]))
    assert out == ["valid"] * 4
