"""A bank's data team checks business-license bundles in bulk (KYC).

Customers hand the bank business-license bundles that disclose only what KYC
needs: company name, USCC (统一社会信用代码), legal representative and
registered capital. This script verifies all of them offline against the
bank's trust store with one ``verify_columns`` call over a pandas column (the
GIL is released and the core verifies in parallel, keeping only the verdict,
the deciding check and the KYC fields of each bundle, not whole reports),
then writes a CSV of the failures with the reason a clerk can read.

Run it on demo data (default 100,000 bundles, a few of them bad on purpose)::

    python examples/python/bank_kyc_check.py --count 100000 --out kyc_failures.csv

or on your own CSV with a ``bundle`` column (CA1 text) and a trust store::

    python examples/python/bank_kyc_check.py --input bundles.csv --trust trust.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

import certanchor
from certanchor import sample

KYC_FIELDS = ["name", "uscc", "legal_representative", "registered_capital"]
#: When the demo batch is issued (2024-05-30) and checked (a day later).
ISSUED_AT = sample.JAN_1_2024 + 150 * 86_400
CHECKED_AT = ISSUED_AT + 86_400


def demo_licenses(count: int) -> list[dict[str, Any]]:
    """``count`` demo business licenses with distinct ids (the demo
    generator's USCCs can repeat in large runs; later repeats are skipped)."""
    certs: dict[str, dict[str, Any]] = {}
    i = 0
    while len(certs) < count:
        cert = sample.business_license(i)
        certs.setdefault(cert["id"], cert)
        i += 1
    return list(certs.values())


def demo_bundles(count: int) -> pd.DataFrame:
    """Issues ``count`` demo licenses and returns one KYC bundle per row.

    About one in a thousand (at least one each) is revoked by the regulator
    or forged, so the failure report has something in it.
    """
    regulator = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
    licenses = demo_licenses(count)
    batch = regulator.issue(licenses, "kyc-demo", issued_at=ISSUED_AT)
    batch.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT)
    bad = range(7, count, 1000)
    regulator.update_status(batch, "revocation", list(bad), now=ISSUED_AT, ttl=30 * 86_400)
    texts = [b.to_text() for b in batch.bundles(disclose=KYC_FIELDS)]
    # Forgeries: licenses "issued" under the regulator's name with another key.
    forger = certanchor.Issuer(certanchor.SigningKey.generate(), "cn.beijing.scjgj")
    forged_idx = list(range(3, count, 1000))
    forged = forger.issue(
        [licenses[i] for i in forged_idx], "kyc-forged", issued_at=ISSUED_AT
    )
    for j, i in enumerate(forged_idx):
        texts[i] = forged.bundle(j, disclose=KYC_FIELDS).to_text()
    return pd.DataFrame({"customer": [f"C{i:07d}" for i in range(count)], "bundle": texts})


def check(df: pd.DataFrame, verifier: certanchor.Verifier, now: int, progress: bool) -> pd.DataFrame:
    """Verifies the ``bundle`` column; returns one result row per bundle:
    the verdict, the check that decided it (the first failed one, else the
    first undecided one) and the disclosed KYC fields, kept as columns
    rather than as whole reports."""
    cols = verifier.verify_columns(
        df["bundle"],
        columns=["verdict", "check", "code", "reason"],
        fields=["name", "uscc", "legal_representative", "registered_capital"],
        now=now,
        progress=progress,
    )
    capital = [c or {} for c in cols.pop("registered_capital")]
    out = pd.DataFrame(cols, index=df.index).rename(columns={"name": "company"})
    out.insert(0, "customer", df["customer"])
    out["capital"] = [c.get("amount") for c in capital]
    out["currency"] = [c.get("currency", "") for c in capital]
    text = ["check", "code", "reason", "company", "uscc", "legal_representative"]
    out[text] = out[text].fillna("")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the process exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=100_000, help="demo bundles to generate")
    p.add_argument("--input", type=Path, help="CSV with columns customer, bundle")
    p.add_argument("--trust", type=Path, help="trust store JSON (default: the demo store)")
    p.add_argument("--out", type=Path, default=Path("kyc_failures.csv"))
    p.add_argument("--progress", action="store_true", help="show a tqdm progress bar")
    args = p.parse_args(argv)

    trust = (
        certanchor.TrustStore.from_json(args.trust)
        if args.trust
        else certanchor.TrustStore.from_json(sample.trust_json())
    )
    verifier = certanchor.Verifier(trust)
    if args.input:
        df = pd.read_csv(args.input, dtype=str)
        now = int(time.time())
    else:
        df = demo_bundles(args.count)
        now = CHECKED_AT

    t0 = time.perf_counter()
    result = check(df, verifier, now, args.progress)
    secs = time.perf_counter() - t0
    failed = result[result["verdict"] != "valid"]
    failed.to_csv(args.out, index=False)
    print(f"verified {len(result)} bundles in {secs:.2f} s ({len(result) / secs:,.0f}/s)")
    print(result["verdict"].value_counts().to_string())
    if len(failed):
        print(failed.groupby(["check", "code"]).size().to_string())
    total_capital = result.loc[result["verdict"] == "valid", "capital"].sum()
    print(f"registered capital of verified customers: {total_capital} CNY")
    print(f"failures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
