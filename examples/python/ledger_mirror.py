"""A bank's data team follows the city's ledger and verifies against it.

The bank keeps a mirror of the ledger (``certanchor.Mirror``): each run
brings it up to date from the published ledger (a directory written by
``certanchor ledger publish``, a snapshot file from ``certanchor ledger
snapshot`` for an offline site, or the ``http://`` URL a ``certanchor ledger
serve`` or any web server gives), reading only the entries it has not seen
and proving them against the ledger's signed checkpoint. Then it verifies
its customers' bundles with a ``Verifier`` made with ``mirror=``: a bundle's
status is the newest list in the ledger, whatever older list the holder
saved in it (a sold title's old bundle is refused), and an anchor the ledger
holds needs no receipt.

Run it on the demo's files (``certanchor demo --out demo``)::

    python examples/python/ledger_mirror.py --trust demo/trust.json \\
        --state mirror/ --from demo/ledger-snapshot.bin demo/title-42-before-sale.cab

``--from`` takes a published directory, a snapshot file or an ``http://``
URL; ``--progress`` shows a tqdm bar when tqdm is installed
(``pip install certanchor[progress]``). Exit status: 0 when every bundle is
valid, 1 otherwise, 2 when the sync was refused (a rollback or a fork keeps
both signed checkpoints in ``STATE/evidence/``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import certanchor


def main(argv: list[str] | None = None) -> int:
    """Syncs the mirror, then verifies each bundle file against it."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--trust", type=Path, required=True, help="the trust store (JSON)")
    p.add_argument("--state", type=Path, required=True, help="the mirror's directory")
    p.add_argument("--from", dest="source", required=True, help="published directory, snapshot file or http:// URL")
    p.add_argument("--origin", help="which of the trust store's ledgers (when it trusts several)")
    p.add_argument("--progress", action="store_true", help="a tqdm bar while syncing")
    p.add_argument("bundles", type=Path, nargs="*", help="bundle files to verify")
    a = p.parse_args(argv)

    trust = certanchor.TrustStore.from_json(a.trust)
    with certanchor.Mirror(a.state, trust, origin=a.origin) as mirror:
        try:
            s = mirror.sync(a.source, progress=a.progress)
        except certanchor.LedgerError as e:
            print(f"sync refused [{e.code}]: {e}", file=sys.stderr)
            return 2
        if s["new_size"] == s["old_size"]:
            print(f"ledger {s['origin']}: up to date at {s['new_size']} entries")
        else:
            print(
                f"ledger {s['origin']}: {s['old_size']} -> {s['new_size']} entries "
                f"({s['anchors']} anchors, {s['status_lists']} status lists read)"
            )
        verifier = certanchor.Verifier(trust, mirror=mirror)

    valid = True
    for path, report in zip(a.bundles, verifier.verify_many([b.read_bytes() for b in a.bundles])):
        decided = report.decided_by
        why = f" ({decided.check}: {decided.code})" if decided else ""
        print(f"{path}: {report.verdict.value}{why}")
        valid = valid and report.is_valid
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
