"""Bulk verification on Dask: one column of bundles, many workers.

Verifies a Parquet (or CSV) column of ``CA1:`` bundles with
``dask.dataframe.map_partitions``. Each partition is one ``verify_columns``
call (parallel, GIL released) on a worker. Each row of the result carries the
verdict and the deciding check: the first failed check, else the first
undecided one, so an indeterminate row says why too (``check``, ``code``,
``reason``).

The verifier reaches each worker once: a ``WorkerPlugin`` holding it is
pickled once on the client and unpickled once by each worker, when it is
registered (and by a worker that joins or restarts later); every partition
on that worker uses that copy (a ``Verifier`` is thread-safe), found by the
plugin's name. Passing the ``Verifier`` itself to ``map_partitions`` would
embed it in every task: it would be unpickled once per partition, reading
the trust store again each time and starting with empty caches. The other
idiom, ``client.scatter(verifier, broadcast=True)`` and the future passed to
``map_partitions``, does not keep that promise: the Active Memory Manager (on
by default, every 2 s) drops the replicas that no task assigned to a worker
needs yet (its ``ReduceReplicas`` policy; the ``scatter`` docs call
``broadcast`` incompatible with it), and the worker then fetches and
unpickles the verifier again (seen on 2 workers: one unpickled it twice for
8 partitions). The plugin is unregistered at the end (the scheduler would
keep it, and the workers their copies, after the client leaves).

Each copy takes in the status lists the client's verifier accepted
(``add_status_list``) as of the time the worker unpickles it, as any
unpickled ``Verifier``; it also remembers the status lists it learns from
the bundles it verifies, so a revocation one partition carries counts for
the later partitions on that worker.

Locally (the default) it starts a ``dask.distributed.LocalCluster``::

    python examples/python/dask_bulk_verify.py --count 20000 --format parquet

The demo data has one row that is not a bundle (invalid) and one bundle
whose batch's revocation list was fresh for one hour only and is stale at
the check time (indeterminate); the rest are valid.

Installing on the workers: ``certanchor`` is not on PyPI. Build its wheel
once::

    maturin build --release -m bindings-python/Cargo.toml

which writes an abi3 wheel to ``target/wheels/`` (one file for every
CPython >= 3.9, for the OS and architecture it was built on), and install
it on every worker, either

- with ``pip install target/wheels/certanchor-….whl pandas pyarrow
  "dask[distributed]"`` in each worker machine's environment, or
- from the client, with the wheel at a path every worker can read::

      from distributed.diagnostics.plugin import PipInstall
      client.register_plugin(
          PipInstall(packages=["/shared/wheels/certanchor-….whl"], restart_workers=True)
      )

  which runs ``pip install`` on every worker, now and as workers join
  (``restart_workers`` needs workers started with a nanny, the default, and
  matters where ``certanchor`` was already imported).

``client.upload_file`` cannot install it: it takes ``.py``, ``.egg``,
``.zip`` (or ``.pyz``) files and imports them from the worker's directory; a
``.whl`` is not among them, and a compiled extension cannot be imported from
a zip.

On a real cluster, start a scheduler and workers with ``certanchor``
installed, put the data where every worker can read it (a shared path,
``s3://…``), and point the same script at the scheduler::

    dask scheduler                                # prints tcp://10.0.0.5:8786
    dask worker tcp://10.0.0.5:8786 --nthreads 1  # on each worker machine
    python dask_bulk_verify.py --scheduler tcp://10.0.0.5:8786 \\
        --input /shared/bundles/*.parquet --output /shared/reports

``--scheduler`` defaults to the environment variable
``DASK_SCHEDULER_ADDRESS`` when that is set.

Sizing: one worker's ``verify_columns`` already uses every core of its machine
(rayon), so more worker processes on one machine add little (1 → 2 workers
on one machine gave 1.1–1.3×). On one machine, run one worker process with
one thread (``--nthreads 1``, ``threads_per_worker=1``) and let
``verify_columns`` use all cores, or N workers each verifying with
``threads=cores/N`` (``--threads``). Across machines, run one worker per
machine with ``--nthreads 1``. ``--threads`` is passed to ``verify_columns``
as ``threads=``; without it a ``LocalCluster`` of ``--workers`` N uses
cores/N threads per call, and workers of ``--scheduler`` use all their
cores (rayon's global pool, or ``RAYON_NUM_THREADS``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Optional

import dask.dataframe as _dd
import dask.distributed as _distributed
import pandas as pd
from dask.distributed import WorkerPlugin, get_worker

import certanchor
from certanchor import sample

# dask's API is only partly annotated: use it through `Any` so that
# `mypy --strict` still checks everything else in this file.
dd: Any = _dd
Client: Any = _distributed.Client
LocalCluster: Any = _distributed.LocalCluster

ISSUED_AT = sample.JAN_1_2024 + 150 * 86_400
CHECKED_AT = ISSUED_AT + 86_400
REGULATOR = "cn.beijing.scjgj"
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
    """Issues ``count`` demo licenses and writes their bundles; returns the glob.

    Row 0 is not a bundle (invalid). The last license is issued in a batch of
    its own whose revocation list was fresh for one hour only, so at
    ``CHECKED_AT`` it is stale (indeterminate). The rest are valid."""
    regulator = certanchor.Issuer(sample.key(REGULATOR), REGULATOR)
    certs = demo_licenses(count)
    batch = regulator.issue(certs[:-1], "dask-demo", issued_at=ISSUED_AT)
    batch.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT)
    stale = regulator.issue(certs[-1:], "dask-demo-stale", issued_at=ISSUED_AT)
    stale.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT)
    regulator.update_status(stale, "revocation", [], now=ISSUED_AT, ttl=3600)
    disclose = ["name", "uscc"]
    bundles = [b.to_text() for b in batch.bundles(disclose=disclose)]
    bundles.append(stale.bundle(0, disclose=disclose).to_text())
    bundles[0] = "CA1:not-a-bundle"  # one bad row, to show a failure
    df = pd.DataFrame({"id": batch.ids + stale.ids, "bundle": bundles})
    ddf = dd.from_pandas(df, npartitions=partitions)
    directory.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        ddf.to_parquet(str(directory), write_index=False)
        return str(directory / "*.parquet")
    ddf.to_csv(str(directory / "part-*.csv"), index=False)
    return str(directory / "part-*.csv")


class VerifierPlugin(WorkerPlugin):
    """Ships one verifier to each worker: pickled with the plugin on the
    client, unpickled once by each worker that receives the plugin."""

    def __init__(self, verifier: certanchor.Verifier, name: str) -> None:
        self.verifier = verifier
        self.name = name


def worker_verifier(plugin: str) -> certanchor.Verifier:
    """On a worker: that worker's verifier, from the plugin named ``plugin``."""
    verifier = getattr(get_worker().plugins[plugin], "verifier")
    assert isinstance(verifier, certanchor.Verifier)
    return verifier


def verify_partition(
    part: pd.DataFrame, plugin: str, now: int, threads: Optional[int]
) -> pd.DataFrame:
    """Runs on a worker: verifies one partition's ``bundle`` column with that
    worker's verifier (registered as the plugin named ``plugin``)."""
    verifier = worker_verifier(plugin)
    # verdict and the deciding check (the first failed one, else the first
    # undecided one) of each row; a row that is not a bundle (an empty
    # cell) is an invalid row, not the end of the job
    cols = verifier.verify_columns(
        part["bundle"],
        columns=["verdict", "check", "code", "reason"],
        now=now,
        threads=threads,
        errors="report",
    )
    return pd.DataFrame({"id": part["id"].to_numpy(), **cols}, index=part.index).fillna("").astype("string")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the process exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scheduler", default=os.environ.get("DASK_SCHEDULER_ADDRESS"))
    p.add_argument("--input", help="Parquet/CSV glob with columns id, bundle")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.add_argument("--count", type=int, default=20_000, help="demo bundles to generate (≥ 2)")
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    p.add_argument("--processes", action="store_true", help="LocalCluster with processes")
    p.add_argument(
        "--threads", type=int,
        help="threads of each verify_columns call (default: cores/workers on a "
        "LocalCluster, all of a worker's cores with --scheduler)",
    )
    p.add_argument("--output", help="write the reports as Parquet here")
    p.add_argument("--trust", help="trust store JSON (default: the demo store)")
    args = p.parse_args(argv)
    if args.input is None and args.count < 2:
        p.error("--count must be at least 2")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be at least 1")

    trust = certanchor.TrustStore.from_json(
        Path(args.trust) if args.trust else sample.trust_json()
    )
    verifier = certanchor.Verifier(trust)
    now = CHECKED_AT if args.input is None else int(time.time())
    threads: Optional[int] = args.threads
    if threads is None and not args.scheduler:
        # the LocalCluster's workers share this machine's cores
        threads = max(1, (os.cpu_count() or 1) // max(1, args.workers))

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
            # one copy per worker; the tasks find it by the plugin's name
            plugin = f"certanchor-verifier-{uuid.uuid4().hex}"
            client.register_plugin(VerifierPlugin(verifier, plugin))
            try:
                results = bundles.map_partitions(
                    verify_partition, plugin, now, threads, meta=RESULT_META
                )
                if args.output:
                    results.to_parquet(args.output)
                    results = dd.read_parquet(args.output)
                table = results.compute()
            finally:
                # the scheduler keeps a plugin after the client leaves
                client.unregister_worker_plugin(plugin)
            secs = time.perf_counter() - t0
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    verdicts = table["verdict"]
    counts = {v.value: int((verdicts == v.value).sum()) for v in certanchor.Verdict}
    print(f"verified {len(table)} bundles on {args.scheduler or 'a LocalCluster'} in {secs:.2f} s")
    print(counts)
    bad = table[verdicts != "valid"]
    if len(bad):
        print(bad.head(5).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
