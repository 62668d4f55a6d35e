"""The land registry issues real-estate titles (不动产权证书) from a CSV.

Reads one title per CSV row (nested columns such as ``right_holders`` and
``encumbrances`` hold JSON), issues the whole file as one batch under one
signed Merkle root, has the housing commission endorse it, and writes:

* ``<out>/bundles.csv`` — certificate id and the holder's ``CA1:`` bundle
  (print it as a QR code on the paper certificate);
* ``<out>/batch.bin`` — the registry's private record (salts: keep secret);
* ``<out>/anchor.cose`` — the signed anchor to publish.

Run on demo data (a CSV is generated when ``--csv`` is not given)::

    python examples/python/issue_titles.py --count 200 --out out/titles

Keys: ``--key`` / ``--endorser-key`` take PKCS#8 PEM files
(``openssl genpkey -algorithm ed25519``); the demo keys are used otherwise.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import certanchor
from certanchor import sample

REGISTRY = "cn.beijing.ghzrzyw"
HOUSING = "cn.beijing.zjw"
SCALAR = [
    "certificate_number",
    "unit_number",
    "co_ownership",
    "location",
    "right_type",
    "right_nature",
    "usage",
]
DECIMALS = ["land_area_m2", "building_area_m2"]
NESTED = ["right_holders", "encumbrances"]


def write_demo_csv(path: Path, count: int) -> None:
    """Writes ``count`` demo titles as the registry's database export would."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "valid_from", *SCALAR, *DECIMALS, "term_until", *NESTED])
        for i in range(count):
            t = sample.real_estate_title(i)
            fields = t["fields"]
            w.writerow(
                [
                    t["id"],
                    dt.datetime.fromtimestamp(t["valid_from"], dt.timezone.utc).date().isoformat(),
                    *(fields[k] for k in SCALAR),
                    *(fields[k] for k in DECIMALS),
                    fields.get("term_until") or "",
                    *(json.dumps(fields.get(k, []), ensure_ascii=False) for k in NESTED),
                ]
            )


def read_titles(path: Path) -> list[dict[str, Any]]:
    """Reads the CSV into certificates as ``Issuer.issue`` takes them."""
    out: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            fields: dict[str, Any] = {k: row[k] for k in SCALAR}
            fields.update({k: Decimal(row[k]) for k in DECIMALS})
            fields["term_until"] = (
                dt.date.fromisoformat(row["term_until"]) if row["term_until"] else None
            )
            for k in NESTED:
                fields[k] = json.loads(row[k])
            out.append(
                {
                    "id": row["id"],
                    "kind": "real_estate_title",
                    "valid_from": dt.date.fromisoformat(row["valid_from"]),
                    "valid_until": None,
                    "fields": fields,
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the process exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--csv", type=Path, help="titles CSV (default: generate demo data)")
    p.add_argument("--count", type=int, default=200, help="demo titles to generate")
    p.add_argument("--out", type=Path, default=Path("out/titles"))
    p.add_argument("--batch", default="2024-05-30-001", help="batch name")
    p.add_argument("--key", type=Path, help="registry PKCS#8 PEM (default: demo key)")
    p.add_argument("--endorser-key", type=Path, help="housing commission PEM (default: demo)")
    args = p.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    src = args.csv
    if src is None:
        src = args.out / "titles.csv"
        write_demo_csv(src, args.count)
    key = (
        certanchor.SigningKey.from_pem(args.key.read_text())
        if args.key
        else sample.key(REGISTRY)
    )
    endorser = (
        certanchor.SigningKey.from_pem(args.endorser_key.read_text())
        if args.endorser_key
        else sample.key(HOUSING)
    )

    titles = read_titles(src)
    issued_at = dt.datetime(2024, 5, 30, tzinfo=dt.timezone.utc)
    try:
        batch = certanchor.Issuer(key, REGISTRY).issue(titles, args.batch, issued_at=issued_at)
    except certanchor.IssueError as e:
        print(f"refused ({e.code}): {e}", file=sys.stderr)
        return 1
    batch.endorse(endorser, at=issued_at)

    with (args.out / "bundles.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "bundle"])
        for cert_id, bundle in zip(batch.ids, batch.bundles()):
            w.writerow([cert_id, bundle.to_text()])
    (args.out / "batch.bin").write_bytes(batch.to_bytes())
    (args.out / "anchor.cose").write_bytes(batch.anchor)

    # A clerk checks one of them, as the holder would present it.
    verifier = certanchor.Verifier(certanchor.TrustStore.from_json(sample.trust_json()))
    report = verifier.verify(batch.bundle(0), now=issued_at + dt.timedelta(days=1))
    print(repr(batch))
    print(f"title 0: {report.verdict.value}, area {report.disclosed['building_area_m2']} m²")
    return 0 if report.is_valid else 1


if __name__ == "__main__":
    sys.exit(main())
