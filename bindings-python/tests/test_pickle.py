"""Verifier, TrustStore and Bundle pickle (so they ship to worker processes);
a verifier carries the status lists it accepted."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

import certanchor
from certanchor import Verdict, sample

from conftest import ISSUED_AT, NOW, issue_titles


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


def _revoked_title() -> tuple[certanchor.IssuedBatch, certanchor.Bundle, bytes]:
    """A batch, a bundle of title 2 made before any status list, and the list
    that revokes title 2."""
    batch = issue_titles(6, "py-pickle-status")
    old = batch.bundle(2)
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    revocation = issuer.update_status(batch, "revocation", {2: True}, now=ISSUED_AT + 60)
    return batch, old, revocation


def _copies(verifier: certanchor.Verifier) -> list[certanchor.Verifier]:
    return [
        pickle.loads(pickle.dumps(verifier)),
        copy.deepcopy(verifier),
        copy.copy(verifier),
    ]


def _status_code(verifier: certanchor.Verifier, bundle: certanchor.Bundle) -> str:
    check = verifier.verify(bundle, now=NOW).check("status")
    assert check is not None
    return check.code


def test_pickled_verifier_keeps_added_status_lists(verifier: certanchor.Verifier) -> None:
    _, old, revocation = _revoked_title()
    verifier.add_status_list(revocation, now=NOW)
    assert verifier.status_lists() == [revocation]
    assert _status_code(verifier, old) == "revoked"
    for again in _copies(verifier):
        assert again is not verifier
        assert again.status_lists() == [revocation]
        assert _status_code(again, old) == "revoked"
        assert again.verify(old, now=NOW).verdict is Verdict.INVALID


def test_pickled_verifier_keeps_learned_status_lists(verifier: certanchor.Verifier) -> None:
    batch, old, revocation = _revoked_title()
    # a later bundle carries the list; verifying it teaches the verifier
    assert _status_code(verifier, batch.bundle(3)) == "ok"
    assert verifier.status_lists() == [revocation]
    for again in _copies(verifier):
        assert _status_code(again, old) == "revoked"
    # learned in a bulk run too
    bulk = certanchor.Verifier(verifier.trust_store)
    bulk.verify_many([batch.bundle(4)], now=NOW)
    for again in _copies(bulk):
        assert _status_code(again, old) == "revoked"


def test_verifier_with_status_in_worker_process(verifier: certanchor.Verifier) -> None:
    _, old, revocation = _revoked_title()
    verifier.add_status_list(revocation, now=NOW)
    with ProcessPoolExecutor(2) as pool:
        out = list(pool.map(_verify_in_child, [(verifier, old.to_bytes())] * 2))
    assert out == ["invalid"] * 2


def test_a_list_refused_on_unpickling_raises(verifier: certanchor.Verifier) -> None:
    # accepted as of a time after today, refused today (from the future): the
    # copy raises rather than forget the revocation
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3650)
    batch = issue_titles(4, "py-pickle-future")
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    future = issuer.update_status(batch, "revocation", {1: True}, now=later)
    verifier.add_status_list(future, now=later)
    data = pickle.dumps(verifier)
    with pytest.raises(certanchor.VerifyError) as e:
        pickle.loads(data)
    assert e.value.code == "untrusted_status_list"
