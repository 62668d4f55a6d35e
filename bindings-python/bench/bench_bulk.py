"""Bulk verification from Python, each figure with a limit from the same run.

Run from the repository root with the package installed in ``venv/`` (the
test command installs it) and the release CLI built
(``cargo build --release -p certanchor-cli``)::

    venv/bin/python bindings-python/bench/bench_bulk.py --count 20000 --arrow-count 1000000

1. **Receipts.** The CLI issues ``--count`` business licences twice with the
   same keys: once into a file ledger (every bundle carries a ledger receipt)
   and once without. Python's ``verify_many`` on each set is timed against
   the Rust core's ``verify_many`` on the same texts and trust store
   (``--example verify_many_bench``), alternating one round each, a fresh
   verifier per round, ``--rounds`` pairs. Targets: Python / Rust ≥ 0.8 on receipt
   bundles; receipt / receipt-less ≥ 0.8.
2. **Arrow.** ``--arrow-count`` licences (three disclosed fields) are written
   as ``CA1:`` texts to a JSON Lines file; a fresh process runs
   ``verify_to_arrow(Path(file), columns=["verdict", "code"], fields=[3])``
   and reports its peak resident memory. Limits from the same run: a
   process that only reads the file line by line (the interpreter, the
   package and pyarrow loaded), and the CLI's ``verify-many`` on the same
   file (the Rust rate). Target: peak ≤ 1.5 GB.

Prints one JSON object per part.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import certanchor
from certanchor import sample

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "target" / "release" / "certanchor"
RUST_BENCH = ROOT / "target" / "release" / "examples" / "verify_many_bench"
ISSUED_AT = sample.JAN_1_2024 + 150 * 86_400
AT_TEXT = "2024-05-30T00:00:00Z"
NOW = ISSUED_AT + 86_400
REGULATOR = "cn.beijing.scjgj"
FIELDS = ["name", "uscc", "registered_capital"]


def licences(count: int, start: int = 0) -> list[dict[str, Any]]:
    """``count`` demo licences with distinct ids, from demo index ``start``."""
    certs: dict[str, dict[str, Any]] = {}
    i = start
    while len(certs) < count:
        c = sample.business_license(i)
        certs.setdefault(c["id"], c)
        i += 1
    return list(certs.values())


def cli(*args: str) -> str:
    """Runs the release CLI; returns its standard output."""
    return subprocess.run([str(CLI), *args], check=True, capture_output=True, text=True).stdout


def peak_rss_bytes() -> int:
    """This process's peak resident memory: ``VmHWM`` of /proc/self/status,
    which starts afresh at ``exec`` (``getrusage``'s ``ru_maxrss`` keeps the
    parent's peak across ``fork`` and ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def receipts(count: int, rounds: int) -> dict[str, Any]:
    """Part 1: receipt-carrying and receipt-less bundles, Python and Rust."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cli("keygen", "--out", str(d / "reg.pem"))
        cli("keygen", "--out", str(d / "ledger.pem"))
        trust = d / "trust.json"
        cli("trust", "init", "--out", str(trust))
        cli("trust", "add-issuer", str(trust), "--id", REGULATOR, "--key", str(d / "reg.pem"),
            "--kind", "business_license")
        cli("ledger", "init", str(d / "ledger"), "--key", str(d / "ledger.pem"),
            "--origin", "bench.test/ledger")
        vkey = json.loads(cli("--json", "ledger", "vkey", str(d / "ledger")))["vkey"]
        cli("trust", "add-ledger", str(trust), "--vkey", vkey)
        rows = d / "licences.jsonl"
        with rows.open("w", encoding="utf-8") as f:
            for c in licences(count):
                c.pop("kind")
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
        sets: dict[str, list[str]] = {}
        for name, extra in [("with", ["--ledger", str(d / "ledger")]), ("without", [])]:
            out = d / name
            cli("issue", "--key", str(d / "reg.pem"), "--issuer", REGULATOR, "--batch", f"bench-{name}",
                "--kind", "business_license", "--input", str(rows), "--out", str(out), "--at", AT_TEXT, *extra)
            cli("prove", "--batch", str(out), "--all", "--text", "--disclose", ",".join(FIELDS),
                "--out", str(out / "texts"))
            sets[name] = [p.read_text().strip() for p in sorted((out / "texts").iterdir())]
        store = certanchor.TrustStore.from_json(trust)
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "certanchor-python", "--example",
                        "verify_many_bench"], cwd=ROOT, check=True)
        result: dict[str, Any] = {"bundles": count, "rounds": rounds}
        for name, texts in sets.items():
            path = d / f"{name}.txt"
            path.write_text("\n".join(texts), encoding="utf-8")
            # Python and Rust alternate, one round each, a fresh verifier
            # per round: the machine's load moves within seconds.
            py_rates, rust_rates = [], []
            for _ in range(rounds):
                verifier = certanchor.Verifier(store)
                t = time.perf_counter()
                reports = verifier.verify_many(texts, now=NOW)
                py_rates.append(count / (time.perf_counter() - t))
                assert all(r.is_valid for r in reports), reports[0]
                if name == "with":
                    ledger = reports[0].check("ledger")
                    assert ledger is not None and ledger.code == "ok", ledger
                del reports
                rust = json.loads(subprocess.run(
                    [str(RUST_BENCH), str(path), str(NOW), "1", str(trust)],
                    check=True, capture_output=True, text=True,
                ).stdout.strip().splitlines()[-1])
                rust_rates.append(rust["verify_many_per_s"])
            result[f"python_{name}_per_s"] = [round(r) for r in py_rates]
            result[f"rust_{name}_per_s"] = [round(r) for r in rust_rates]
            result[f"python_over_rust_{name}"] = [round(p / r, 2) for p, r in zip(py_rates, rust_rates)]
            result[f"python_over_rust_{name}_best"] = round(max(py_rates) / max(rust_rates), 3)
        result["python_with_over_without_best"] = round(
            max(result["python_with_per_s"]) / max(result["python_without_per_s"]), 3)
        result["rust_with_over_without_best"] = round(
            max(result["rust_with_per_s"]) / max(result["rust_without_per_s"]), 3)
        return result


def write_jsonl(path: Path, count: int) -> None:
    """``count`` licence bundles (``CA1:`` text, three disclosed fields), in
    batches of 100,000, one JSON string per line."""
    issuer = certanchor.Issuer(sample.key(REGULATOR), REGULATOR)
    done = 0
    start = 0
    with path.open("w", encoding="utf-8") as f:
        while done < count:
            n = min(100_000, count - done)
            certs = licences(n, start)
            start += n * 2  # past any index the previous batch used (ids repeat rarely)
            batch = issuer.issue(certs, f"arrow-{done}", issued_at=ISSUED_AT)
            batch.endorse(sample.key("cn.beijing.tax"), at=ISSUED_AT)
            for b in batch.bundles(disclose=FIELDS):
                f.write('"' + b.to_text() + '"\n')
            done += n
            print(f"  wrote {done} bundles", file=sys.stderr)


def arrow_child(path: Path, mode: str) -> None:
    """In a fresh process: ``verify_to_arrow`` over ``path`` (or, for the
    limit, only read it); prints rows, seconds, peak RSS as JSON."""
    import pyarrow  # type: ignore[import-untyped]  # noqa: F401  (loaded in both modes)

    t = time.perf_counter()
    if mode == "read":
        rows = 0
        with path.open(encoding="utf-8") as f:
            for line in f:
                json.loads(line)
                rows += 1
        out: dict[str, Any] = {"rows": rows}
    else:
        verifier = certanchor.Verifier(certanchor.TrustStore.from_json(sample.trust_json()))
        table = verifier.verify_to_arrow(path, columns=["verdict", "code"], fields=FIELDS, now=NOW)
        counts = table.column("verdict").value_counts().to_pylist()
        out = {"rows": table.num_rows, "table_bytes": table.nbytes, "verdicts": counts}
    out["seconds"] = round(time.perf_counter() - t, 2)
    out["peak_rss_bytes"] = peak_rss_bytes()
    print(json.dumps(out, default=str))


def arrow(count: int) -> dict[str, Any]:
    """Part 2: ``verify_to_arrow`` of ``count`` bundles: peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundles.jsonl"
        write_jsonl(path, count)
        result: dict[str, Any] = {"bundles": count, "file_bytes": path.stat().st_size}

        def child(mode: str) -> dict[str, Any]:
            out = subprocess.run([sys.executable, __file__, "--arrow-child", str(path), mode],
                                 check=True, capture_output=True, text=True).stdout
            return dict(json.loads(out.strip().splitlines()[-1]))

        result["read_only"] = child("read")
        result["verify_to_arrow"] = child("arrow")
        trust = Path(tmp) / "trust.json"
        trust.write_text(sample.trust_json(), encoding="utf-8")
        t = time.perf_counter()
        proc = subprocess.run([str(CLI), "--json", "verify-many", "--trust", str(trust), "--at",
                               "2024-05-31T00:00:00Z", str(path)], capture_output=True, text=True)
        secs = time.perf_counter() - t
        summary = json.loads(proc.stdout)
        result["cli_verify_many"] = {"seconds": round(secs, 2), "peak_rss_bytes": summary["peak_rss_bytes"],
                                     "verdicts": summary["verdicts"]}
        v = result["verify_to_arrow"]
        result["arrow_per_s"] = round(count / v["seconds"])
        result["cli_per_s"] = round(count / secs)
        result["arrow_over_cli_rate"] = round(result["arrow_per_s"] / result["cli_per_s"], 3)
        result["peak_over_1_5_gb"] = round(v["peak_rss_bytes"] / 1.5e9, 3)
        result["peak_over_read_only"] = round(v["peak_rss_bytes"] / result["read_only"]["peak_rss_bytes"], 2)
        return result


def main() -> int:
    """Runs the parts asked for; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=20_000, help="bundles per set for part 1 (0: skip)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--arrow-count", type=int, default=0, help="bundles for part 2 (0: skip)")
    p.add_argument("--arrow-child", nargs=2, metavar=("FILE", "MODE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.arrow_child:
        arrow_child(Path(args.arrow_child[0]), args.arrow_child[1])
        return 0
    if not CLI.exists():
        sys.exit(f"{CLI} is missing: cargo build --release -p certanchor-cli")
    load = os.getloadavg()[0]
    if args.count:
        print(json.dumps({"part": "receipts", "load": load, **receipts(args.count, args.rounds)}))
    if args.arrow_count:
        print(json.dumps({"part": "arrow", "load": load, **arrow(args.arrow_count)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
