"""Following the ledger from Python (SPEC §9.8–§9.9): ``Mirror.sync`` from a
snapshot file, a published directory and ``certanchor ledger serve``;
``Verifier(trust, mirror=...)`` then refuses the saved bundle of a title
revoked after its sale; cut snapshots, rollbacks and directories that are
no mirror are refused with the core's codes.

The ledger scenario is the CLI's demo (``certanchor demo --out DIR``). The
CLI binary is ``$CERTANCHOR_BIN``, else the newer of ``target/release`` and
``target/debug``, else built with ``cargo build -p certanchor-cli``.
"""

from __future__ import annotations

import copy
import http.server
import json
import os
import pickle
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import certanchor
from certanchor import sample

from conftest import ROOT

ORIGIN = "ledger.demo.beijing.gov.cn/certanchor"


def _cli_path() -> Path:
    env = os.environ.get("CERTANCHOR_BIN")
    if env:
        return Path(env)
    found = [p for p in (ROOT / "target" / d / "certanchor" for d in ("release", "debug")) if p.is_file()]
    if found:
        return max(found, key=lambda p: p.stat().st_mtime)
    if shutil.which("cargo") is None:
        pytest.skip("no certanchor CLI binary and no cargo to build one")
    subprocess.run(["cargo", "build", "-q", "-p", "certanchor-cli"], cwd=ROOT, check=True, timeout=1200)
    return ROOT / "target" / "debug" / "certanchor"


@pytest.fixture(scope="session")
def cli() -> Path:
    """The certanchor command line."""
    return _cli_path()


def run(cli: Path, *args: str | Path) -> Any:
    """Runs ``certanchor --json ARGS``; its JSON output."""
    proc = subprocess.run(
        [str(cli), "--json", *map(str, args)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.fixture(scope="session")
def demo(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's files: trust.json, ledger/, ledger-snapshot.bin,
    title-42-before-sale.cab (a title revoked after the bundle was saved),
    titles/batch.cbor."""
    out = tmp_path_factory.mktemp("ledger") / "demo"
    run(cli, "demo", "--out", out)
    return out


@pytest.fixture(scope="session")
def site(cli: Path, demo: Path) -> Path:
    """The demo ledger published as tlog-tiles (``ledger publish``)."""
    out = demo.parent / "site"
    run(cli, "ledger", "publish", demo / "ledger", "--out", out)
    return out


@pytest.fixture(scope="session")
def trust(demo: Path) -> certanchor.TrustStore:  # the demo's, not conftest's
    """The demo's trust store (it trusts the demo ledger)."""
    return certanchor.TrustStore.from_json(demo / "trust.json")


@pytest.fixture(scope="session")
def before_sale(demo: Path) -> bytes:
    """Title 42's bundle saved before it was sold and revoked."""
    return (demo / "title-42-before-sale.cab").read_bytes()


@pytest.fixture()
def server(cli: Path, site: Path) -> Iterator[str]:
    """``certanchor ledger serve SITE`` on 127.0.0.1 (a port the system
    picks); yields its URL and stops it."""
    proc = subprocess.Popen(
        [str(cli), "ledger", "serve", str(site), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "ledger serve printed nothing within 20 s"
        line = proc.stdout.readline()
        assert line.startswith("serving "), line
        url = line.rsplit(" at ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _synced(tmp_path: Path, trust: certanchor.TrustStore, source: str | os.PathLike[str]) -> certanchor.Mirror:
    m = certanchor.Mirror(tmp_path / "mirror", trust)
    m.sync(source, progress=False)
    return m


def _status(report: certanchor.Report) -> tuple[str, str]:
    decided = report.decided_by
    assert decided is not None, report
    return decided.check, decided.code


def test_sync_from_a_snapshot_then_the_revoked_title_is_refused(
    tmp_path: Path, demo: Path, trust: certanchor.TrustStore, before_sale: bytes
) -> None:
    m = certanchor.Mirror(tmp_path / "mirror", trust)
    assert (m.size, m.checkpoint, m.origin) == (0, None, ORIGIN)
    assert m.path == tmp_path / "mirror"
    s = m.sync(demo / "ledger-snapshot.bin", progress=False)
    # two batches' anchors and their revocation and suspension lists, twice each
    assert s == {
        "origin": ORIGIN, "old_size": 0, "new_size": 6, "entries_read": 6,
        "anchors": 2, "status_lists": 4, "resumed": False,
    }
    assert m.size == 6
    assert m.checkpoint is not None and m.checkpoint.startswith(f"{ORIGIN}\n6\n")
    assert "size=6" in repr(m)
    # again: up to date, nothing read
    again = m.sync(str(demo / "ledger-snapshot.bin"), progress=False)
    assert (again["old_size"], again["new_size"], again["entries_read"]) == (6, 6, 0)

    # without the ledger, the saved bundle's own (older) lists say valid
    assert certanchor.Verifier(trust).verify(before_sale).verdict == "valid"
    # with the mirror (the object or its directory), the ledger's newest list wins
    for mirror in (m, tmp_path / "mirror", str(tmp_path / "mirror")):
        v = certanchor.Verifier(trust, mirror=mirror)
        r = v.verify(before_sale)
        assert r.verdict == "invalid"
        assert _status(r) == ("status", "revoked")
        ledger = r.check("ledger")
        assert ledger is not None and ledger.passed and "per checkpoint 6" in ledger.reason
    v = certanchor.Verifier(trust, mirror=m)
    assert v.ledger is not None
    assert (v.ledger["origin"], v.ledger["size"], v.ledger["anchors"], v.ledger["status_lists"]) == (
        ORIGIN, 6, 2, 4
    )
    assert v.ledger["checkpoint"] == m.checkpoint
    assert "ledger=" in repr(v)
    assert certanchor.Verifier(trust).ledger is None


def test_sync_from_a_published_directory_and_bulk_verification(
    tmp_path: Path, demo: Path, site: Path, trust: certanchor.TrustStore, before_sale: bytes
) -> None:
    m = _synced(tmp_path, trust, site)
    assert m.size == 6
    v = certanchor.Verifier(trust, mirror=m)
    batch = certanchor.IssuedBatch.from_bytes((demo / "titles" / "batch.cbor").read_bytes())
    # a bundle made from the batch carries no ledger receipt, which the
    # demo's policy requires: indeterminate without the mirror, valid with
    # it (the ledger holds the anchor)
    plain = batch.bundle(3)
    assert _status(certanchor.Verifier(trust).verify(plain)) == ("ledger", "receipt_missing")
    r = v.verify(plain)
    assert r.verdict == "valid"
    assert r.check("ledger").outcome == "passed"  # type: ignore[union-attr]

    inputs: list[bytes | certanchor.Bundle] = [before_sale, plain]
    assert [r.verdict.value for r in v.verify_many(inputs)] == ["invalid", "valid"]
    cols = v.verify_columns(inputs)
    assert cols["code"] == ["revoked", None]
    pytest.importorskip("pyarrow")
    table = v.verify_to_arrow(inputs, columns=["row", "verdict", "check", "code"])
    assert table.to_pylist()[0] == {"row": 0, "verdict": "invalid", "check": "status", "code": "revoked"}
    assert table.column("verdict").to_pylist() == ["invalid", "valid"]
    # without the ledger, alone (the batch's bundle carries the newer list)
    alone = certanchor.Verifier(trust).verify_to_arrow([before_sale], columns=["verdict"])
    assert alone.column("verdict").to_pylist() == ["valid"]


def test_sync_over_http_from_ledger_serve(
    tmp_path: Path, server: str, trust: certanchor.TrustStore, before_sale: bytes
) -> None:
    m = certanchor.Mirror(tmp_path / "mirror", trust)
    s = m.sync(server, progress=False)
    assert (s["new_size"], s["anchors"], s["status_lists"]) == (6, 2, 4)
    r = certanchor.Verifier(trust, mirror=m).verify(before_sale)
    assert _status(r) == ("status", "revoked")


def test_a_server_that_is_gone_is_fetch_failed(tmp_path: Path, cli: Path, site: Path, trust: certanchor.TrustStore) -> None:
    proc = subprocess.Popen(
        [str(cli), "ledger", "serve", str(site), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready
        url = proc.stdout.readline().rsplit(" at ", 1)[1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    m = certanchor.Mirror(tmp_path / "mirror", trust)
    with pytest.raises(certanchor.LedgerError) as e:
        m.sync(url, progress=False)
    assert e.value.code == "fetch_failed"
    assert m.size == 0


def test_a_cut_snapshot_is_refused_and_the_mirror_kept(
    tmp_path: Path, demo: Path, trust: certanchor.TrustStore
) -> None:
    m = _synced(tmp_path, trust, demo / "ledger-snapshot.bin")
    state = (tmp_path / "mirror" / "mirror.json").read_bytes()
    data = (demo / "ledger-snapshot.bin").read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[:-40])
    with pytest.raises(certanchor.LedgerError) as e:
        m.sync(cut)
    assert e.value.code == "bad_snapshot"
    assert str(cut) in str(e.value)
    assert m.size == 6
    assert (tmp_path / "mirror" / "mirror.json").read_bytes() == state
    # a fresh mirror is not created from it either
    fresh = certanchor.Mirror(tmp_path / "fresh", trust)
    with pytest.raises(certanchor.LedgerError, match="snapshot"):
        fresh.sync(cut)
    assert fresh.size == 0


def test_a_rollback_is_refused_with_evidence(
    tmp_path: Path, cli: Path, demo: Path, trust: certanchor.TrustStore
) -> None:
    # the ledger grows by one anchor: a newer snapshot
    ledger = tmp_path / "ledger"
    shutil.copytree(demo / "ledger", ledger)
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    anchor = tmp_path / "anchor.cose"
    anchor.write_bytes(issuer.issue([sample.real_estate_title(0)], "py-extra").anchor)
    run(cli, "ledger", "append", ledger, anchor)
    newer = tmp_path / "newer.bin"
    run(cli, "ledger", "snapshot", ledger, "--out", newer)

    m = certanchor.Mirror(tmp_path / "mirror", trust)
    assert m.sync(demo / "ledger-snapshot.bin", progress=False)["new_size"] == 6
    s = m.sync(newer, progress=False)
    assert (s["old_size"], s["new_size"], s["entries_read"], s["anchors"]) == (6, 7, 1, 1)
    state = (tmp_path / "mirror" / "mirror.json").read_bytes()
    # the older snapshot after the newer one: a rollback
    with pytest.raises(certanchor.LedgerError) as e:
        m.sync(demo / "ledger-snapshot.bin", progress=False)
    assert e.value.code == "rollback"
    assert m.size == 7
    assert (tmp_path / "mirror" / "mirror.json").read_bytes() == state
    assert e.value.evidence is not None
    evidence = Path(e.value.evidence)
    assert evidence.parent == tmp_path / "mirror" / "evidence"
    text = evidence.read_text(encoding="utf-8")
    assert f"{ORIGIN}\n7\n" in text and f"{ORIGIN}\n6\n" in text
    assert str(evidence) in str(e.value)


def test_a_directory_never_synced_is_not_a_mirror(tmp_path: Path, trust: certanchor.TrustStore) -> None:
    for d in (tmp_path / "missing", tmp_path):
        with pytest.raises(certanchor.LedgerError) as e:
            certanchor.Verifier(trust, mirror=d)
        assert e.value.code == "not_a_mirror"
    # opened (so created) but never synced
    m = certanchor.Mirror(tmp_path / "new", trust)
    for mirror in (m, tmp_path / "new"):
        with pytest.raises(certanchor.LedgerError) as e:
            certanchor.Verifier(trust, mirror=mirror)
        assert e.value.code == "not_a_mirror"


def test_choosing_the_ledger(tmp_path: Path, demo: Path, trust: certanchor.TrustStore) -> None:
    with pytest.raises(certanchor.LedgerError) as e:
        certanchor.Mirror(tmp_path / "m", trust, origin="ledger.example/other")
    assert e.value.code == "unknown_ledger"
    no_ledger = json.loads(trust.to_json())
    no_ledger["ledgers"] = []
    with pytest.raises(certanchor.LedgerError) as e:
        certanchor.Mirror(tmp_path / "m", certanchor.TrustStore.from_json(json.dumps(no_ledger)))
    assert e.value.code == "unknown_ledger"
    two = json.loads(trust.to_json())
    two["ledgers"].append(dict(two["ledgers"][0], origin="ledger.example/other"))
    two_store = certanchor.TrustStore.from_json(json.dumps(two))
    with pytest.raises(certanchor.LedgerError) as e:
        certanchor.Mirror(tmp_path / "m", two_store)
    assert e.value.code == "ambiguous_ledger"
    assert "ledger.example/other" in str(e.value)
    m = certanchor.Mirror(tmp_path / "m", two_store, origin=ORIGIN)
    m.sync(demo / "ledger-snapshot.bin", progress=False)
    # a verifier whose trust store lacks the mirror's ledger cannot use it
    with pytest.raises(certanchor.LedgerError) as e:
        certanchor.Verifier(certanchor.TrustStore.from_json(json.dumps(no_ledger)), mirror=m)
    assert e.value.code == "unknown_ledger"
    with pytest.raises(ValueError, match="mirror="):
        certanchor.Verifier(trust, now=0)
    with pytest.raises(TypeError):
        certanchor.Verifier(trust, mirror=42)  # type: ignore[arg-type]


def test_one_process_syncs_a_mirror_at_a_time(tmp_path: Path, demo: Path, trust: certanchor.TrustStore) -> None:
    m = certanchor.Mirror(tmp_path / "m", trust)
    with pytest.raises(certanchor.LedgerError) as e:
        certanchor.Mirror(tmp_path / "m", trust)
    assert e.value.code == "locked"
    m.close()
    m.close()
    assert "closed" in repr(m)
    with pytest.raises(ValueError, match="closed"):
        m.sync(demo / "ledger-snapshot.bin")
    with pytest.raises(ValueError, match="closed"):
        _ = m.size
    with certanchor.Mirror(tmp_path / "m", trust) as again:
        again.sync(demo / "ledger-snapshot.bin", progress=False)
        assert again.size == 6
    assert certanchor.Mirror(tmp_path / "m", trust).size == 6
    with pytest.raises(TypeError):
        pickle.dumps(again)


def test_sources_that_cannot_be_read(tmp_path: Path, trust: certanchor.TrustStore) -> None:
    m = certanchor.Mirror(tmp_path / "m", trust)
    with pytest.raises(FileNotFoundError):
        m.sync(tmp_path / "nothing-here")
    with pytest.raises(certanchor.LedgerError) as e:
        m.sync("https://ledger.example/site/")  # no TLS in this build
    assert e.value.code == "bad_url"
    with pytest.raises(TypeError):
        m.sync(42)  # type: ignore[arg-type]
    # a directory that is no published ledger
    with pytest.raises(certanchor.LedgerError) as e:
        m.sync(tmp_path)
    assert e.value.code == "tile_not_found"
    assert m.size == 0


def test_progress_without_tqdm(
    tmp_path: Path, demo: Path, trust: certanchor.TrustStore, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    m = certanchor.Mirror(tmp_path / "m", trust)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = m.sync(demo / "ledger-snapshot.bin")  # progress=True by default
    assert s["new_size"] == 6
    assert "syncing" not in capsys.readouterr().err


def test_progress_with_tqdm(
    tmp_path: Path, demo: Path, trust: certanchor.TrustStore, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    m = certanchor.Mirror(tmp_path / "m", trust)
    m.sync(demo / "ledger-snapshot.bin", progress=True)
    err = capsys.readouterr().err
    assert f"syncing {ORIGIN}" in err and "6/6" in err
    m2 = certanchor.Mirror(tmp_path / "m2", trust)
    m2.sync(demo / "ledger-snapshot.bin", progress=False)
    assert "syncing" not in capsys.readouterr().err


def test_a_pickled_verifier_keeps_the_ledger(
    tmp_path: Path, demo: Path, trust: certanchor.TrustStore, before_sale: bytes
) -> None:
    _synced(tmp_path, trust, demo / "ledger-snapshot.bin").close()
    v = certanchor.Verifier(trust, mirror=tmp_path / "mirror")
    plain = certanchor.IssuedBatch.from_bytes((demo / "titles" / "batch.cbor").read_bytes()).bundle(5)
    # the copy needs neither the mirror's directory nor its lock
    shutil.rmtree(tmp_path / "mirror")
    for again in (pickle.loads(pickle.dumps(v)), copy.deepcopy(v)):
        assert again.ledger == v.ledger
        assert _status(again.verify(before_sale)) == ("status", "revoked")
        # the anchor index travelled: no receipt needed
        assert again.verify(plain).verdict == "valid"
        assert sorted(again.status_lists()) == sorted(v.status_lists())
    # a verifier without a mirror still pickles as before
    plain_v = pickle.loads(pickle.dumps(certanchor.Verifier(trust)))
    assert plain_v.ledger is None
    # the copy's trust store must still trust the ledger
    state = v.__reduce__()
    no_ledger = json.loads(trust.to_json())
    no_ledger["ledgers"] = []
    with pytest.raises(certanchor.LedgerError) as e:
        state[0](certanchor.TrustStore.from_json(json.dumps(no_ledger)), *state[1][1:])
    assert e.value.code == "unknown_ledger"


def test_the_example_script(tmp_path: Path, demo: Path, site: Path) -> None:
    script = ROOT / "examples" / "python" / "ledger_mirror.py"
    args = [sys.executable, str(script), "--trust", str(demo / "trust.json"), "--state", str(tmp_path / "m")]
    before = str(demo / "title-42-before-sale.cab")
    proc = subprocess.run([*args, "--from", str(site), before], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"ledger {ORIGIN}: 0 -> 6 entries (2 anchors, 4 status lists read)" in proc.stdout
    assert f"{before}: invalid (status: revoked)" in proc.stdout
    proc = subprocess.run(
        [*args, "--from", str(demo / "ledger-snapshot.bin"), "--progress"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date at 6 entries" in proc.stdout
    proc = subprocess.run([*args, "--from", str(tmp_path / "missing")], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "FileNotFoundError" in proc.stderr


def test_ctrl_c_stops_a_sync_between_bundles(tmp_path: Path, site: Path, trust: certanchor.TrustStore) -> None:
    """SIGINT while the checkpoint is being fetched (a slow server): the
    sync stops before it reads the entry bundle, and raises
    KeyboardInterrupt with the mirror as it was."""

    class Slow(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def do_GET(self) -> None:
            if self.path == "/checkpoint":
                time.sleep(1.0)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    serving = threading.Thread(target=httpd.serve_forever, daemon=True)
    serving.start()
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    try:
        m = certanchor.Mirror(tmp_path / "m", trust)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            m.sync(f"http://127.0.0.1:{httpd.server_address[1]}/", progress=False)
        assert m.size == 0
        # the next sync completes
        assert m.sync(f"http://127.0.0.1:{httpd.server_address[1]}/", progress=False)["new_size"] == 6
    finally:
        timer.cancel()
        httpd.shutdown()
        httpd.server_close()
        serving.join(timeout=10)
