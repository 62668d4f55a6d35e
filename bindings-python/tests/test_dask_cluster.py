"""dask_bulk_verify.py against a real local cluster: a scheduler and two
worker processes started (and stopped) by the test; each worker unpickles
the verifier once, however many partitions it runs.

The workers import this module (``PYTHONPATH``) so that ``client.run`` can
install and read a worker-side counter: unpickling a ``certanchor.Verifier``
looks up its class by name (its ``__reduce__`` names ``certanchor.Verifier``),
which raises the audit event ``pickle.find_class`` in that process. (The
lookup is once per pickle stream, so a stream holding several verifiers
would count once; here each stream holds one. With the verifier passed to
``map_partitions`` as an argument, as the example did before, 8 partitions
counted 8 unpickles, e.g. 2 and 6.)

Every wait is bounded (pytest-timeout is not installed): time-bounded loops,
a subprocess timeout for the example, and in ``finally`` the processes are
terminated, then killed if they do not stop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any, Optional

import dask.distributed as _distributed

from test_examples import EXAMPLES, assert_demo_reports, demo_counts

# distributed's Client is not annotated: use it through `Any` (mypy --strict)
Client: Any = _distributed.Client
WORKERS = 2
#: Bound on starting the scheduler, on the workers joining, on stopping each process.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
#: Bound on the example's run.
RUN_TIMEOUT = 120.0

# ------------------------------------------------ runs on the workers

#: In a worker process: how many times it unpickled a ``certanchor.Verifier``.
_verifier_unpickles = [0]
_counting = [False]


def _count_unpickle(event: str, args: tuple[Any, ...]) -> None:
    if event == "pickle.find_class" and tuple(args) == ("certanchor", "Verifier"):
        _verifier_unpickles[0] += 1


def count_verifier_unpickles() -> None:
    """Counts, from now on, the Verifiers this process unpickles (an audit hook
    cannot be removed: only for the test's own worker processes)."""
    if not _counting[0]:
        sys.addaudithook(_count_unpickle)
        _counting[0] = True


def verifier_unpickles() -> int:
    """How many Verifiers this process unpickled since ``count_verifier_unpickles``."""
    assert _counting[0]
    return _verifier_unpickles[0]


# ------------------------------------------------ runs in the test


def _start(args: list[str], log: IO[bytes], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env
    )


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminates the processes (last started first), then kills those left."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


def _wait_for_scheduler(path: Path, scheduler: subprocess.Popen[bytes], log: Path) -> str:
    """The address the scheduler wrote to its scheduler file."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert scheduler.poll() is None, "the scheduler exited:\n" + _logs([log])
        try:
            address = json.loads(path.read_text(encoding="utf-8"))["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
            continue
        assert isinstance(address, str)
        return address
    raise AssertionError(f"no scheduler file after {START_TIMEOUT:.0f} s")


def _logs(logs: list[Path]) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)


def test_example_on_a_local_scheduler_with_two_workers(tmp_path: Path) -> None:
    tests = str(Path(__file__).resolve().parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (tests, env.get("PYTHONPATH")) if p)
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    scheduler_file = tmp_path / "scheduler.json"
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    client: Optional[Any] = None
    t0 = time.monotonic()

    def start(name: str, args: list[str]) -> subprocess.Popen[bytes]:
        logs.append(tmp_path / f"{name}.log")
        with logs[-1].open("wb") as log:
            procs.append(_start(args, log, tmp_path, env))
        return procs[-1]

    try:
        scheduler = start("scheduler", [
            "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
            "--scheduler-file", str(scheduler_file), "--no-dashboard",
        ])
        address = _wait_for_scheduler(scheduler_file, scheduler, logs[0])
        for i in range(WORKERS):
            start(f"worker-{i}", [
                "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                "--no-nanny", "--host", "127.0.0.1", "--death-timeout", "60",
                "--local-directory", str(tmp_path / f"worker-{i}"),
            ])
        client = Client(address, timeout=START_TIMEOUT)
        client.wait_for_workers(WORKERS, timeout=START_TIMEOUT)
        client.run(count_verifier_unpickles)
        started = time.monotonic() - t0

        reports = tmp_path / "reports"
        proc = subprocess.run(
            [
                sys.executable, str(EXAMPLES / "dask_bulk_verify.py"), "--scheduler", address,
                "--count", "400", "--partitions", "8", "--threads", "1", "--output", str(reports),
            ],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr + _logs(logs)
        assert f"verified 400 bundles on {address}" in proc.stdout, proc.stdout
        assert demo_counts(400) in proc.stdout, proc.stdout
        assert_demo_reports(reports, 400)

        # 8 partitions on 2 workers: each worker unpickled the verifier once
        counts: dict[str, int] = client.run(verifier_unpickles)
        assert sorted(counts.values()) == [1] * WORKERS, counts
        print(f"cluster up in {started:.1f} s; verifier unpickles per worker: {counts}")
    finally:
        try:
            if client is not None:
                client.close(timeout=STOP_TIMEOUT)
        finally:
            _stop(procs)
