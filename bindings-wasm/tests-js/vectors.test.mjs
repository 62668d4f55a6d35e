// The shared cross-language vectors give the same verdicts as Rust.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ca, vectors, trustJson, b64 } from "./helpers.mjs";

const ORDER = ["format", "integrity", "inclusion", "issuer_signature", "authorization",
  "endorsements", "status", "validity", "schema", "ledger"];

for (const c of vectors.cases) {
  for (const [form, input, now] of [
    ["binary", () => b64(c.bundle), c.now],
    ["CA1 text", () => c.text, new Date(c.now * 1000)],
  ]) {
    test(`vector ${c.name} (${form}) → ${c.verdict}${c.check ? ` at ${c.check}/${c.code}` : ""}`, () => {
      // a fresh verifier per case: status lists seen earlier must not leak in
      const v = new ca.Verifier(trustJson);
      const r = v.verify(input(), now);
      assert.equal(r.verdict, c.verdict, JSON.stringify(r.checks));
      assert.deepEqual(r.checks.map((x) => x.check), ORDER);
      assert.equal(r.verified_at, c.now);
      if (c.check) {
        const ch = r.checks.find((x) => x.check === c.check);
        assert.equal(ch.code, c.code, ch.reason);
        if (c.verdict === "invalid") assert.equal(ch.outcome, "failed");
      } else {
        assert.ok(r.checks.every((x) => x.outcome !== "failed" && x.outcome !== "indeterminate"));
      }
      v.free();
    });
  }
}

for (const c of vectors.malformed) {
  test(`malformed ${c.name} → invalid at format/${c.code}; decodeBundle throws the same code`, () => {
    const v = new ca.Verifier(trustJson);
    const r = v.verify(b64(c.bundle), 0);
    assert.equal(r.verdict, "invalid");
    assert.equal(r.checks[0].check, "format");
    assert.equal(r.checks[0].code, c.code);
    assert.throws(() => ca.decodeBundle(b64(c.bundle)),
      (e) => e instanceof Error && e.name === "DecodeError" && e.code === c.code);
  });
}

test("valid title report names issuer, endorsers, anchor and disclosed fields", () => {
  const c = vectors.cases.find((x) => x.name === "valid_title_full");
  const r = new ca.Verifier(trustJson).verify(c.text, c.now);
  assert.equal(r.issuer.id, "cn.beijing.ghzrzyw");
  assert.equal(r.issuer.name, "北京市规划和自然资源委员会");
  assert.ok(r.endorsers.length >= 1 && r.endorsers.every((p) => typeof p.name === "string"));
  assert.equal(r.certificate.kind, "real_estate_title");
  assert.match(r.anchor.id, /^[0-9a-f]{64}$/);
  assert.ok("unit_number" in r.disclosed && Array.isArray(r.disclosed.right_holders));
});

test("verify defaults to the current time", () => {
  const c = vectors.cases.find((x) => x.name === "valid_title_full");
  const before = Math.floor(Date.now() / 1000);
  const r = new ca.Verifier(trustJson).verify(c.text);
  assert.ok(r.verified_at >= before && r.verified_at <= before + 5);
});
