"""Bulk verification on Dask: one column of bundles, many workers.

Verifies a Parquet (or CSV) column of ``CA1:`` bundles with
``dask.dataframe.map_partitions``. Each partition is one ``verify_many``
call (parallel, GIL released) on a worker; the ``Verifier`` is pickled once
and shipped to the workers with the task graph.

Locally (the default) it starts a ``dask.distributed.LocalCluster``::

    python examples/python/dask_bulk_verify.py --count 20000 --format parquet

On a real cluster, start a scheduler and workers that have ``certanchor``
installed (``pip install certanchor pandas pyarrow "dask[distributed]"``), put
the data where every worker can read it (a shared path, ``s3://…``), and point
the same script at the scheduler::

    dask scheduler                       # prints tcp://10.0.0.5:8786
    dask worker tcp://10.0.0.5:8786      # on each worker machine
    python dask_bulk_verify.py --scheduler tcp://10.0.0.5:8786 \\
        --input /shared/bundles/*.parquet --output /shared/reports

``--scheduler`` defaults to the environment variable
``DASK_SCHEDULER_ADDRESS`` when that is set.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import dask.dataframe as _dd
import dask.distributed as _distributed
import pandas as pd

import certanchor
from certanchor import sample

# dask's API is only partly annotated: use it through `Any` so that
# `mypy --strict` still checks everything else in this file.
dd: Any = _dd
Client: Any = _distributed.Client
LocalCluster: Any = _distributed.LocalCluster

ISSUED_AT = sample.JAN_1_2024 + 150 * 86_400
CHECKED_AT = ISSUED_AT + 86_400
RESULT_COLUMNS = ["id", "verdict", "check", "code", "reason"]
RESULT_META = pd.DataFrame({c: pd.Series(dtype="string") for c in RESULT_COLUMNS})


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


def generate(directory: Path, count: int, fmt: str, partitions: int) -> str:
    """Issues ``count`` demo licenses and writes their bundles; returns the glob."""
    regulator = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
    batch = regulator.issue(demo_licenses(count), "dask-demo", issued_at=ISSUED_AT)
    batch.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT)
    bundles = [b.to_text() for b in batch.bundles(disclose=["name", "uscc"])]
    bundles[0] = "CA1:not-a-bundle"  # one bad row, to show a failure
    df = pd.DataFrame({"id": batch.ids, "bundle": bundles})
    ddf = dd.from_pandas(df, npartitions=partitions)
    directory.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        ddf.to_parquet(str(directory), write_index=False)
        return str(directory / "*.parquet")
    ddf.to_csv(str(directory / "part-*.csv"), index=False)
    return str(directory / "part-*.csv")


def verify_partition(part: pd.DataFrame, verifier: certanchor.Verifier, now: int) -> pd.DataFrame:
    """Runs on a worker: verifies one partition's ``bundle`` column."""
    reports = verifier.verify_many(part["bundle"], now=now)
    # the first failed check, else the first undecided one (indeterminate)
    firsts: list[certanchor.Check | None] = [
        next(iter(r.failures() or r.problems()), None) for r in reports
    ]
    return pd.DataFrame(
        {
            "id": part["id"].to_numpy(),
            "verdict": [r.verdict.value for r in reports],
            "check": [c.check if c else "" for c in firsts],
            "code": [c.code if c else "" for c in firsts],
            "reason": [c.reason if c else "" for c in firsts],
        },
        index=part.index,
    ).astype("string")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the process exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scheduler", default=os.environ.get("DASK_SCHEDULER_ADDRESS"))
    p.add_argument("--input", help="Parquet/CSV glob with columns id, bundle")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.add_argument("--count", type=int, default=20_000, help="demo bundles to generate")
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--processes", action="store_true", help="LocalCluster with processes")
    p.add_argument("--output", help="write the reports as Parquet here")
    p.add_argument("--trust", help="trust store JSON (default: the demo store)")
    args = p.parse_args(argv)

    trust = certanchor.TrustStore.from_json(
        Path(args.trust) if args.trust else sample.trust_json()
    )
    verifier = certanchor.Verifier(trust)
    now = CHECKED_AT if args.input is None else int(time.time())

    with tempfile.TemporaryDirectory() as tmp:
        source = args.input or generate(Path(tmp) / "bundles", args.count, args.format, args.partitions)
        if args.scheduler:
            client = Client(args.scheduler)
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=args.processes,
                dashboard_address=None,
            )
            client = Client(cluster)
        try:
            if source.endswith(".parquet"):
                bundles = dd.read_parquet(source, columns=["id", "bundle"])
            else:
                bundles = dd.read_csv(source, dtype=str, usecols=["id", "bundle"])
            t0 = time.perf_counter()
            results = bundles.map_partitions(verify_partition, verifier, now, meta=RESULT_META)
            if args.output:
                results.to_parquet(args.output)
                results = dd.read_parquet(args.output)
            table = results.compute()
            secs = time.perf_counter() - t0
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    counts = table["verdict"].value_counts().to_dict()
    print(f"verified {len(table)} bundles on {args.scheduler or 'a LocalCluster'} in {secs:.2f} s")
    print(counts)
    bad = table[table["verdict"] != "valid"]
    if len(bad):
        print(bad.head(5).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
