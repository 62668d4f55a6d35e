// tests/vectors/codes.json through the WASM Verifier: every case gives the
// Rust verdict, outcome and code; the file covers every result code (a case,
// a note key error, or `not_covered`) and fails every check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ca, rootDir, b64 } from "./helpers.mjs";

const codes = JSON.parse(readFileSync(path.join(rootDir, "tests/vectors/codes.json"), "utf8"));
const ORDER = ["format", "integrity", "inclusion", "issuer_signature", "authorization",
  "endorsements", "status", "validity", "schema", "ledger"];

// A fresh verifier over the case's store, handed its status lists first.
function verifierFor(c) {
  const v = new ca.Verifier(JSON.stringify(codes.trust_stores[c.trust_store]));
  for (const s of c.add_status ?? []) v.addStatusList(b64(s), c.now);
  return v;
}

// The case's input, and the CA1 text of a binary bundle that decodes.
function inputs(c) {
  if (c.text !== undefined) return [["CA1 text", c.text]];
  const bytes = b64(c.bundle);
  let text;
  try {
    text = ca.bundleToText(bytes);
  } catch (e) {
    assert.equal(e.name, "DecodeError");
    return [["binary", bytes]];
  }
  return [["binary", bytes], ["CA1 text", text]];
}

for (const c of codes.cases) {
  test(`code vector ${c.name} → ${c.verdict}, ${c.check} ${c.outcome} ${c.code}`, () => {
    for (const [form, input] of inputs(c)) {
      const v = verifierFor(c);
      const r = v.verify(input, c.now);
      v.free();
      assert.equal(r.verdict, c.verdict, `${form}: ${JSON.stringify(r.checks)}`);
      assert.deepEqual(r.checks.map((x) => x.check), ORDER);
      const ch = r.checks.find((x) => x.check === c.check);
      assert.deepEqual([ch.outcome, ch.code], [c.outcome, c.code], `${form}: ${ch.reason}`);
    }
  });
}

test("codes.json covers every result code, or says why not", () => {
  const covered = new Set([...codes.cases, ...codes.note_key_errors].map((c) => c.code));
  const notCovered = new Set(Object.keys(codes.not_covered));
  const all = new Set(ca.resultCodes());
  for (const c of [...covered, ...notCovered]) assert.ok(all.has(c), `${c} is not a result code`);
  assert.deepEqual([...covered].filter((c) => notCovered.has(c)), []);
  assert.deepEqual([...all].filter((c) => !covered.has(c) && !notCovered.has(c)), []);
});

test("codes.json fails every check in some case", () => {
  const failing = new Set(codes.cases.filter((c) => c.outcome === "failed" || c.outcome === "indeterminate").map((c) => c.check));
  assert.deepEqual(ORDER.filter((c) => !failing.has(c)), []);
});
