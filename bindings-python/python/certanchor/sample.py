"""Demo data of the certanchor core: realistic Beijing certificates, the demo
authorities, their (public, demo-only) keys and the demo trust store.

Never use the demo keys for real certificates: anyone can derive them.
"""

from __future__ import annotations

from typing import Any

from ._certanchor import (
    JAN_1_2024,
    SigningKey,
    sample_authorities,
    sample_business_license,
    sample_key,
    sample_real_estate_title,
    sample_trust_json,
)

__all__ = [
    "JAN_1_2024",
    "authorities",
    "business_license",
    "key",
    "real_estate_title",
    "trust_json",
]


def business_license(i: int) -> dict[str, Any]:
    """Demo business license (营业执照) number ``i``, as ``Issuer.issue`` takes it."""
    return sample_business_license(i)


def real_estate_title(i: int) -> dict[str, Any]:
    """Demo real-estate title (不动产权证书) number ``i``, as ``Issuer.issue`` takes it."""
    return sample_real_estate_title(i)


def authorities() -> list[dict[str, Any]]:
    """The demo authorities: ``id``, ``name`` and the ``kinds`` each issues."""
    return sample_authorities()


def key(issuer_id: str) -> SigningKey:
    """The demo signing key of authority ``issuer_id`` (demo only)."""
    return sample_key(issuer_id)


def trust_json() -> str:
    """The demo trust store as JSON text."""
    return sample_trust_json()
