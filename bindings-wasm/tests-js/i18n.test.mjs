// The page's words (www/i18n.js) against what the core can report: every
// result code (wasm `resultCodes()`), every check, every outcome and every
// coded field value has a Chinese and an English text; a code added to the
// core without a sentence fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import path from "node:path";
import { ca, pkgDir, trustJson, caseNamed } from "./helpers.mjs";

const window = {};
vm.runInNewContext(readFileSync(path.join(pkgDir, "www", "i18n.js"), "utf8"), { window });
const I = window.CERTANCHOR_I18N;
const report = new ca.Verifier(trustJson).verify(caseNamed("valid_title_full").text, caseNamed("valid_title_full").now);

for (const lang of ["zh", "en"]) {
  test(`${lang}: every result code the core can report has a sentence`, () => {
    const codes = ca.resultCodes();
    assert.ok(codes.length > 60, `only ${codes.length} codes`);
    const missing = codes.filter((c) => typeof I[lang].codes[c] !== "string" || !I[lang].codes[c].trim());
    assert.deepEqual(missing, []);
    // and no sentence for a code the core does not have (a renamed code)
    assert.deepEqual(Object.keys(I[lang].codes).filter((c) => !codes.includes(c)), []);
    assert.deepEqual(Object.keys(I[lang].short).filter((c) => !codes.includes(c)), []);
  });

  test(`${lang}: every check, outcome and verdict has a name`, () => {
    assert.equal(report.checks.length, 10);
    for (const c of report.checks) assert.ok(I[lang].checkNames[c.check], c.check);
    for (const k of ["valid", "invalid", "indeterminate", "unreadable", "passed", "failed", "skipped", "notChecked", "indeterminateO"]) {
      assert.ok(I[lang][k], k);
    }
    for (const k of Object.keys(I[lang].shortByCheck)) assert.ok(I[lang].checkNames[k], k);
  });

  test(`${lang}: both languages have the same keys`, () => {
    const other = lang === "zh" ? I.en : I.zh;
    assert.deepEqual(Object.keys(I[lang]).sort(), Object.keys(other).sort());
    for (const table of ["codes", "short", "checkNames", "errors", "shortByCheck"]) {
      assert.deepEqual(Object.keys(I[lang][table]).sort(), Object.keys(other[table]).sort(), table);
    }
  });
}

test("coded values of the built-in kinds have Chinese labels (resident_id, mortgage, …)", () => {
  for (const kind of ca.builtinKinds()) {
    const l = ca.fieldLabels(kind);
    assert.equal(l.values.resident_id, "居民身份证");
    assert.equal(l.values.mortgage, "抵押");
    assert.equal(l.values.seizure, "查封");
  }
});

test("trust store fingerprints are SHA-256 of the file's bytes", async () => {
  const { createHash } = await import("node:crypto");
  for (const text of ["{}", trustJson, "信任库 ✓"]) {
    assert.equal(ca.trustStoreFingerprint(text), createHash("sha256").update(text, "utf8").digest("hex"));
  }
});
