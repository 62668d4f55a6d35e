"""Result codes: the typed ``ResultCode`` of the stubs is the core's list, and
every code a report carries is one of them."""

from __future__ import annotations

import ast
import pathlib
import typing

import certanchor
from certanchor import sample

NOW = sample.JAN_1_2024 + 86_400


def test_the_literal_type_is_the_cores_list() -> None:
    assert list(typing.get_args(certanchor.ResultCode)) == certanchor.RESULT_CODES
    assert len(set(certanchor.RESULT_CODES)) == len(certanchor.RESULT_CODES) > 60
    assert {"ok", "revoked", "suspended", "status_missing", "truncated"} <= set(certanchor.RESULT_CODES)


def test_the_stub_types_check_code_as_the_literal() -> None:
    stub = pathlib.Path(certanchor.__file__).with_name("_certanchor.pyi").read_text(encoding="utf-8")
    tree = ast.parse(stub)
    check = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Check")
    code = next(n for n in check.body if isinstance(n, ast.FunctionDef) and n.name == "code")
    assert isinstance(code.returns, ast.Name) and code.returns.id == "ResultCode"


def test_every_code_a_report_carries_is_listed() -> None:
    trust = certanchor.TrustStore.from_json(sample.trust_json())
    verifier = certanchor.Verifier(trust)
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    batch = issuer.issue([sample.real_estate_title(i) for i in range(2)], "py-codes", issued_at=sample.JAN_1_2024)
    inputs: list[str | bytes] = [batch.bundle(0).to_text(), "CA1:", b"\x00", batch.bundle(1).to_text()[:-3]]
    for report in verifier.verify_many(inputs, now=NOW):
        for c in report.checks:
            assert c.code in certanchor.RESULT_CODES, c
