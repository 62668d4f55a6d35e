"""Shared fixtures: the cross-language vectors and a demo batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import certanchor
from certanchor import sample

# No example database on disk: runs stay reproducible and the tree clean.
settings.register_profile("certanchor", database=None, deadline=None)
settings.load_profile("certanchor")

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "bundles.json"
# The ten checks of every report, in order.
CHECKS: list[str] = [
    "format",
    "integrity",
    "inclusion",
    "issuer_signature",
    "authorization",
    "endorsements",
    "status",
    "validity",
    "schema",
    "ledger",
]

#: Issue time of the demo batches (2024-05-30T00:00:00Z).
ISSUED_AT = sample.JAN_1_2024 + 150 * 86_400
#: A time at which the demo batches are valid.
NOW = ISSUED_AT + 3600


def load_vectors() -> dict[str, Any]:
    """The parsed tests/vectors/bundles.json."""
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """The cross-language vectors."""
    return load_vectors()


@pytest.fixture(scope="session")
def vector_verifier(vectors: dict[str, Any]) -> certanchor.Verifier:
    """A verifier over the vectors' trust store."""
    trust = certanchor.TrustStore.from_json(json.dumps(vectors["trust_store"]))
    return certanchor.Verifier(trust)


@pytest.fixture(scope="session")
def trust() -> certanchor.TrustStore:
    """The demo trust store."""
    return certanchor.TrustStore.from_json(sample.trust_json())


@pytest.fixture()
def verifier(trust: certanchor.TrustStore) -> certanchor.Verifier:
    """A fresh verifier over the demo trust store."""
    return certanchor.Verifier(trust)


def issue_titles(n: int = 8, batch: str = "py-titles-001") -> certanchor.IssuedBatch:
    """A batch of ``n`` demo titles by the land registry, endorsed by housing."""
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    issued = issuer.issue(
        [sample.real_estate_title(i) for i in range(n)], batch, issued_at=ISSUED_AT
    )
    issued.endorse(sample.key("cn.beijing.zjw"), at=ISSUED_AT)
    return issued


def issue_licenses(n: int = 8, batch: str = "py-licenses-001") -> certanchor.IssuedBatch:
    """A batch of ``n`` demo business licenses, endorsed by the tax bureau."""
    issuer = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
    issued = issuer.issue(
        [sample.business_license(i) for i in range(n)], batch, issued_at=ISSUED_AT
    )
    issued.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT)
    return issued


@pytest.fixture(scope="session")
def titles() -> certanchor.IssuedBatch:
    """A demo batch of titles."""
    return issue_titles()


@pytest.fixture(scope="session")
def licenses() -> certanchor.IssuedBatch:
    """A demo batch of business licenses."""
    return issue_licenses()
