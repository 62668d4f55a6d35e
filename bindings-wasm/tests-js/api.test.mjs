// decodeBundle / bundleFromText / bundleToText / withFewerFields, labels,
// the demo trust store, error names and codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ca, vectors, trustJson, b64, caseNamed } from "./helpers.mjs";

const isErr = (name, code) => (e) => {
  assert.ok(e instanceof Error, "an Error instance");
  assert.equal(e.name, name);
  assert.equal(e.code, code);
  assert.ok(e.message.length > 0);
  return true;
};

test("decodeBundle gives the same view for the binary and the CA1 text form", () => {
  for (const c of vectors.cases) {
    const a = ca.decodeBundle(b64(c.bundle));
    assert.deepEqual(ca.decodeBundle(c.text), a, c.name);
    assert.equal(a.v, 1);
    assert.equal(typeof a.header.kind, "string");
    assert.ok(Array.isArray(a.disclosed) && Array.isArray(a.proof.path));
  }
});

test("bundleFromText gives the binary form; bundleToText round-trips", () => {
  for (const c of vectors.cases) {
    const bytes = ca.bundleFromText(c.text);
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual(bytes, b64(c.bundle), c.name);
    assert.deepEqual(ca.bundleFromText(ca.bundleToText(bytes)), bytes);
    assert.match(ca.bundleToText(c.text), /^CA1:/);
  }
});

test("bundleToText compresses about as well as miniz_oxide level 9 (the vectors' texts)", () => {
  // The core's small zlib encoder (core/src/deflate.rs) writes every CA1
  // text; the vectors' texts were written by miniz_oxide at level 9. A QR
  // code must not grow noticeably because of it.
  let ours = 0, cores = 0;
  for (const c of vectors.cases) {
    const text = ca.bundleToText(b64(c.bundle));
    assert.ok(text.length <= Math.ceil(c.text.length * 1.05), `${c.name}: ${text.length} vs ${c.text.length}`);
    // and it is real compression: shorter than base45 of the raw bytes
    assert.ok(text.length < 4 + Math.ceil((b64(c.bundle).length * 3) / 2), c.name);
    ours += text.length;
    cores += c.text.length;
  }
  console.log(`bundleToText: ${ours} chars over the vectors, miniz_oxide 9 ${cores} (${((100 * ours) / cores).toFixed(1)} %)`);
});

test("a trust store with SPKI PEM keys works like one with base64 keys", () => {
  // The wasm build reads PEM with the core's `pem-lite` reader: same keys accepted.
  const pem = (b) => {
    const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(b, "base64")]);
    return `-----BEGIN PUBLIC KEY-----\n${der.toString("base64")}\n-----END PUBLIC KEY-----\n`;
  };
  const doc = structuredClone(vectors.trust_store);
  for (const i of doc.issuers) for (const k of i.keys) k.public_key = pem(k.public_key);
  const v = new ca.Verifier(JSON.stringify(doc));
  for (const c of vectors.cases.slice(0, 6)) {
    assert.equal(v.verify(c.text, c.now).verdict, c.verdict, c.name);
  }
  const bad = structuredClone(doc);
  bad.issuers[0].keys[0].public_key = bad.issuers[0].keys[0].public_key.replace("MCow", "MCkw");
  assert.throws(() => new ca.Verifier(JSON.stringify(bad)), isErr("TrustError", "invalid_key"));
  const p256 = structuredClone(doc);
  p256.issuers[0].keys[0].public_key =
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----\n";
  assert.throws(() => new ca.Verifier(JSON.stringify(p256)), isErr("TrustError", "invalid_key"));
});

test("views are plain JSON-like objects; trustStore() is the document", () => {
  const v = new ca.Verifier(trustJson);
  assert.deepEqual(v.trustStore(), vectors.trust_store);
  const c = caseNamed("valid_title_full");
  const r = v.verify(c.text, c.now);
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  assert.ok(Array.isArray(r.checks));
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.equal(typeof r.verified_at, "number");
  const view = ca.decodeBundle(c.text);
  assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
});

test("withFewerFields discloses less and still verifies", () => {
  const c = caseNamed("valid_title_full");
  const all = ca.decodeBundle(c.text).disclosed.map((d) => d.name);
  assert.ok(all.length > 2);
  const keep = [all[0], all[2]];
  const smaller = ca.withFewerFields(c.text, keep);
  assert.deepEqual(ca.decodeBundle(smaller).disclosed.map((d) => d.name).sort(), [...keep].sort());
  const r = new ca.Verifier(trustJson).verify(smaller, c.now);
  assert.equal(r.verdict, "valid");
  assert.deepEqual(Object.keys(r.disclosed).sort(), [...keep].sort());
  const none = ca.withFewerFields(b64(c.bundle), []);
  assert.equal(new ca.Verifier(trustJson).verify(none, c.now).verdict, "valid");
  assert.throws(() => ca.withFewerFields(c.text, ["no_such"]), isErr("IssueError", "no_such_field"));
  assert.throws(() => ca.withFewerFields(c.text, [1]), isErr("TypeError", "invalid_argument"));
  assert.throws(() => ca.withFewerFields(c.text, "location"), isErr("TypeError", "invalid_argument"));
});

test("a bundle tampered after issue fails at integrity", () => {
  const c = caseNamed("valid_license_partial");
  const view = ca.decodeBundle(c.text);
  const d = view.disclosed.find((x) => typeof x.value === "string" && /^[0-9A-Z]{4,}$/.test(x.value));
  const bytes = b64(c.bundle);
  const needle = Buffer.from(d.value, "utf8");
  const at = Buffer.from(bytes).lastIndexOf(needle); // the disclosed copy (the id may repeat it)
  assert.ok(at > 0);
  const t = Uint8Array.from(bytes);
  t[at + 1] = needle[1] === 0x31 ? 0x32 : 0x31; // one ASCII character changed, same length
  const r = new ca.Verifier(trustJson).verify(t, c.now);
  assert.equal(r.verdict, "invalid");
  const failed = r.checks.filter((x) => x.outcome === "failed").map((x) => `${x.check}/${x.code}`);
  assert.ok(failed.includes("integrity/digest_mismatch"), failed.join());
});

test("errors carry name and the core's stable code", () => {
  assert.throws(() => new ca.Verifier("{"), isErr("TrustError", "trust_store_json"));
  const extra = JSON.parse(trustJson);
  extra.unexpected = true;
  assert.throws(() => new ca.Verifier(JSON.stringify(extra)), isErr("TrustError", "trust_store_json"));
  const v2 = JSON.parse(trustJson);
  v2.version = 2;
  assert.throws(() => new ca.Verifier(JSON.stringify(v2)), isErr("TrustError", "unsupported_version"));
  const badKey = JSON.parse(trustJson);
  badKey.issuers[0].keys[0].public_key = "AAAA";
  assert.throws(() => new ca.Verifier(JSON.stringify(badKey)), isErr("TrustError", "invalid_key"));
  assert.throws(() => ca.bundleFromText("HC1:6BF"), isErr("DecodeError", "invalid_text_form"));
  assert.throws(() => ca.bundleFromText("CA1:!!!"), isErr("DecodeError", "invalid_text_form"));
  assert.throws(() => ca.decodeBundle(new Uint8Array([0xa0])), (e) => e.name === "DecodeError" && typeof e.code === "string");
  const v = new ca.Verifier(trustJson);
  assert.throws(() => v.verify(42), isErr("TypeError", "invalid_argument"));
  assert.throws(() => v.verify("CA1:", "yesterday"), isErr("TypeError", "invalid_argument"));
  assert.throws(() => v.verify("CA1:", -5), isErr("TypeError", "invalid_argument"));
  assert.throws(() => v.addStatusList(new Uint8Array([1, 2, 3])), (e) => e.name === "VerifyError" && typeof e.code === "string");
  // an undecodable bundle is a report, not an exception
  assert.equal(v.verify("CA1:not base45 ~", 0).checks[0].code, "invalid_text_form");
});

test("status lists handed out of band are used", () => {
  const c = caseNamed("valid_title_full");
  const v = new ca.Verifier(trustJson);
  for (const s of vectors.status_lists) v.addStatusList(b64(s.cose), c.now);
  const r = v.verify(c.text, c.now);
  assert.equal(r.status.length, 2);
  assert.deepEqual(r.status.map((s) => s.purpose).sort(), ["revocation", "suspension"]);
  // `now` is optional (the current time), a Date or Unix seconds
  const d = new ca.Verifier(trustJson);
  for (const s of vectors.status_lists) d.addStatusList(b64(s.cose), new Date(c.now * 1000));
  for (const s of vectors.status_lists) d.addStatusList(b64(s.cose));
  assert.equal(d.verify(c.text, c.now).status.length, 2);
  // a list is refused as of a time before its issue time
  const early = new ca.Verifier(trustJson);
  assert.throws(() => early.addStatusList(b64(vectors.status_lists[0].cose), 0),
    (e) => e.name === "VerifyError" && e.code === "untrusted_status_list");
  assert.throws(() => early.addStatusList(b64(vectors.status_lists[0].cose), "now"),
    (e) => e.name === "TypeError" && e.code === "invalid_argument");
  assert.equal(typeof early.memoryBytes(), "number");
});

test("fieldLabels exports the core schema's Chinese labels", () => {
  const bl = ca.fieldLabels("business_license");
  assert.equal(bl.label_zh, "营业执照");
  assert.equal(bl.fields.uscc, "统一社会信用代码");
  assert.equal(bl.fields["registered_capital.amount"], "金额");
  assert.equal(bl.order[0], "uscc");
  const rt = ca.fieldLabels("real_estate_title");
  assert.equal(rt.label_zh, "不动产权证书");
  assert.equal(rt.fields.unit_number, "不动产单元号");
  assert.equal(rt.fields.right_holders, "权利人");
  assert.equal(rt.fields.location, "坐落");
  assert.equal(rt.fields["right_holders.name"], "姓名（名称）");
  assert.equal(ca.fieldLabels("marriage_certificate"), undefined);
  assert.deepEqual(ca.builtinKinds(), ["business_license", "real_estate_title"]);
});

test("the shipped demo trust store is the vectors' trust store", () => {
  const demo = ca.demoTrustStore();
  assert.deepEqual(JSON.parse(demo), vectors.trust_store);
  const doc = new ca.Verifier(demo).trustStore();
  assert.equal(doc.issuers.length, 5);
  assert.ok(doc.issuers.some((i) => i.name === "国家税务总局北京市税务局"));
  assert.match(ca.version(), /^\d+\.\d+\.\d+/);
});
