// The defects of the adversarial review (core/tests/security_review.rs),
// replayed through the WebAssembly Verifier on the bundles
// examples/security_fixture.rs builds: each attack fails safe in the
// package as it does in the core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ca, pkgDir, hex, securityFixture, readBundles } from "./helpers.mjs";
import * as web from "../pkg/web/certanchor_wasm.js";

const fx = securityFixture();
const NOW = fx.now;
const verifier = (doc) => new ca.Verifier(JSON.stringify(doc));
const status = (r) => r.checks.find((c) => c.check === "status");

function assertStatus(r, outcome, code) {
  const s = status(r);
  assert.deepEqual([s.outcome, s.code], [outcome, code], s.reason);
}

const isUntrustedList = (e) => e instanceof Error && e.name === "VerifyError" && e.code === "untrusted_status_list";

test("defect 1: a revoked licence without its revocation list is indeterminate (status_missing), not valid", () => {
  const s = fx.strip;
  const r = verifier(fx.trust.status).verify(hex(s.revoked_stripped), NOW);
  assert.equal(r.verdict, "indeterminate");
  assertStatus(r, "indeterminate", "status_missing");
  assert.match(status(r).reason, /revocation/);
  // with its list it is revoked, and a verifier that saw the list keeps it
  const v = verifier(fx.trust.status);
  assertStatus(v.verify(hex(s.revoked_full), NOW), "failed", "revoked");
  assertStatus(v.verify(hex(s.revoked_stripped), NOW), "failed", "revoked");
  // without require_status a bundle with no revocation list has none to show
  assert.equal(verifier(fx.trust.demo).verify(hex(s.revoked_stripped), NOW).verdict, "valid");
});

test("defect 1 (mirror): a suspended licence without its suspension list is indeterminate (status_missing)", () => {
  const s = fx.strip;
  const r = verifier(fx.trust.status).verify(hex(s.suspended_stripped), NOW);
  assert.equal(r.verdict, "indeterminate");
  assertStatus(r, "indeterminate", "status_missing");
  assert.match(status(r).reason, /suspension/);
  assertStatus(verifier(fx.trust.status).verify(hex(s.suspended_full), NOW), "failed", "suspended");
  // a policy naming revocation alone is satisfied by the revocation list
  const doc = structuredClone(fx.trust.status);
  doc.policies.find((p) => p.kind === "business_license").status_purposes = ["revocation"];
  assert.equal(verifier(doc).verify(hex(s.suspended_stripped), NOW).verdict, "valid");
});

test("defect 3: a revoked key's back-dated list (epoch 2^64-1, ttl 2^40) is not valid alone and does not override a newer genuine list", () => {
  const s = fx.sticky;
  const attack = hex(s.attack);
  // alone: the forged lists' key is revoked now, so they are not used
  let v = verifier(s.trust);
  let r = v.verify(attack, NOW);
  assert.notEqual(r.verdict, "valid");
  assertStatus(r, "indeterminate", "status_key_not_valid");
  assert.throws(() => v.addStatusList(hex(s.forged_rev), NOW), isUntrustedList);
  // the genuine list handed in out of band wins over the forged one carried
  v = verifier(s.trust);
  v.addStatusList(hex(s.genuine_rev), NOW);
  assertStatus(v.verify(attack, NOW), "failed", "revoked");
  // so does the genuine list seen in another holder's bundle, whatever was verified before
  v = verifier(s.trust);
  assertStatus(v.verify(attack, NOW), "indeterminate", "status_key_not_valid");
  assert.equal(v.verify(hex(s.honest), NOW).verdict, "valid");
  for (let i = 0; i < 5; i++) assertStatus(v.verify(attack, NOW), "failed", "revoked");
  // and the forged list, handed in after the genuine one, changes nothing
  assert.throws(() => v.addStatusList(hex(s.forged_rev), NOW), isUntrustedList);
  assertStatus(v.verify(attack, NOW), "failed", "revoked");
  // before the key was revoked, its list was genuine: `now` decides
  const before = s.revoked_at - 40;
  assertStatus(verifier(s.trust).verify(attack, before), "passed", "ok");
  verifier(s.trust).addStatusList(hex(s.forged_rev), before);
  verifier(s.trust).addStatusList(hex(s.forged_rev), new Date(before * 1000));
});

test("defect 3: a status list from the future is refused (status_future), in a bundle and by addStatusList", () => {
  const f = fx.future;
  const r = verifier(fx.trust.status).verify(hex(f.bundle), NOW);
  assert.equal(r.verdict, "invalid");
  assertStatus(r, "failed", "status_future");
  const v = verifier(fx.trust.status);
  assert.throws(() => v.addStatusList(hex(f.list), NOW), isUntrustedList);
  assert.throws(() => v.addStatusList(hex(f.list), new Date(NOW * 1000)), isUntrustedList);
  // the same list is accepted once its time has come
  v.addStatusList(hex(f.list), f.issued_at);
  assert.throws(() => v.addStatusList(hex(f.list), "soon"), (e) => e.name === "TypeError" && e.code === "invalid_argument");
});

test("defect 5: 200 bundles with four junk 2 MiB lists each → status_bad_signature, and memory stays bounded", () => {
  const j = fx.junk;
  const bundles = readBundles("junk.bin");
  assert.equal(bundles.length, j.bundles);
  const encoded = bundles.reduce((n, b) => n + b.length, 0);
  const inflated = j.bundles * j.lists_per_bundle * j.inflated_bytes; // 1.6 GiB
  // The web build, instantiated here, hands back its exports: its memory
  // can be watched (the Node build keeps its instance to itself).
  const exports = web.initSync({ module: readFileSync(path.join(pkgDir, "pkg", "web", "certanchor_wasm_bg.wasm")) });
  const memory = () => exports.memory.buffer.byteLength;
  const v = new web.Verifier(JSON.stringify(fx.trust.status));
  const before = memory();
  for (const b of bundles) {
    const r = v.verify(b, NOW);
    assert.equal(r.verdict, "invalid");
    assertStatus(r, "failed", "status_bad_signature");
  }
  const held = v.memoryBytes();
  const grown = memory() - before;
  const line = `junk lists: ${held} B held by the verifier, wasm memory grew ${grown} B, for ${encoded} B of bundles (${inflated} B if inflated)`;
  console.log(line);
  assert.ok(held < 4 * encoded, line);
  assert.ok(grown < 64 << 20, line);
  assert.ok(grown < inflated / 20, line);
});

test("defect 6: old3…, new5, old3… with one verifier: once new5's list is seen, every old3 is revoked", () => {
  const o = fx.order;
  const [old3, new5] = [hex(o.old3), hex(o.new5)];
  const n = 50;
  // The package verifies one bundle a call (there is no bulk call): a
  // verdict depends on the bundle and on what the verifier knew before the
  // call, so old3 is valid until a bundle carrying the newer list is seen.
  let v = verifier(fx.trust.status);
  const verdicts = [];
  for (let i = 0; i < n; i++) verdicts.push(v.verify(old3, NOW));
  const r5 = v.verify(new5, NOW);
  for (let i = 0; i < n; i++) verdicts.push(v.verify(old3, NOW));
  assert.equal(r5.verdict, "valid");
  assert.equal(r5.certificate.id, o.id5);
  verdicts.slice(0, n).forEach((r) => assert.equal(r.verdict, "valid"));
  verdicts.slice(n).forEach((r) => {
    assert.equal(r.certificate.id, o.id3);
    assert.equal(r.verdict, "invalid");
    assertStatus(r, "failed", "revoked");
  });
  // new5 first: every old3 is revoked
  v = verifier(fx.trust.status);
  assert.equal(v.verify(new5, NOW).verdict, "valid");
  for (let i = 0; i < n; i++) assertStatus(v.verify(old3, NOW), "failed", "revoked");
  // and a fresh verifier given the newest list out of band agrees
  v = verifier(fx.trust.status);
  const revocation = ca.decodeBundle(new5).status.map((b) => new Uint8Array(Buffer.from(b, "base64")));
  for (const l of revocation) v.addStatusList(l, NOW);
  assertStatus(v.verify(old3, NOW), "failed", "revoked");
});

test("the report names the issuer only when its signature verified", () => {
  const f = fx.forged_title;
  const r = verifier(fx.trust.demo).verify(hex(f.bundle), NOW);
  assert.equal(r.verdict, "invalid");
  const sig = r.checks.find((c) => c.check === "issuer_signature");
  assert.deepEqual([sig.outcome, sig.code], ["failed", "unknown_key"]);
  assert.deepEqual(r.issuer, { id: f.claimed_issuer, name: null });
  assert.deepEqual(r.endorsers, []);
});
