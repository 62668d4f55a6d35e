// Verify throughput of the WebAssembly build in Node, against the native core
// on the same bundles (the performance goal: wasm warm verify ≥ 1/3 of native).
//
// Usage (from any directory; here the repository root), after `scripts/test-wasm.sh --build-only`
// (or a full `scripts/test-wasm.sh`) has built bindings-wasm/pkg/node:
//
//   node bindings-wasm/bench/verify.mjs [--json] [--n 5000] [--rounds 3]
//        [--seconds 2] [--cold 300] [--dir DIR] [--regen] [--no-native]
//        [--cargo-profile release] [--pkg DIR]
//
// 1. Fixture: unless DIR (default $CARGO_TARGET_DIR/wasm-bench, else
//    target/wasm-bench) already holds N bundles, runs
//    `cargo run --release -p certanchor-wasm --example bench_fixture -- write DIR N`:
//    N generated 12-field business licences in one batch (market regulator,
//    endorsed by the tax bureau), each bundle's binary (.cab) form after its
//    length as a little-endian u32 in DIR/bundles.bin, the demo trust store in
//    DIR/trust.json, the verification time in DIR/meta.json. --regen rewrites it.
// 2. Native: `... --example bench_fixture -- measure DIR ...` verifies the same
//    fixture with the core's Verifier on one thread (release build, the same
//    core features as the wasm module) and prints JSON. --no-native skips it.
//    --cargo-profile picks the profile both cargo runs use (`dev` only for a
//    quick smoke test: native figures of a dev build mean nothing).
// 3. Wasm, one thread, the package's Node build as shipped (optimized):
//    warm: one Verifier, verify(Uint8Array, now) of each bundle in turn,
//          cycling, best of R rounds of about S seconds (after an untimed
//          warm-up: a pass that checks every bundle is valid, then 1 s more);
//    cold: a fresh `new Verifier(trustJson)` per bundle (freed after), C
//          bundles a round, best of R rounds after an untimed one.
//    The native side measures the same way.
//    The JS API has no verifyMany; that is reported as absent. --pkg measures
//    another Node build (a directory like pkg/node) instead, e.g. one built
//    with other optimization settings.
// Prints a summary with the wasm/native ratios, or with --json one JSON
// object. Always exits 0 when the measurement ran: no timing assertion.
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import os from "node:os";
import path from "node:path";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rootDir = path.resolve(pkgDir, "..");

function parseArgs(argv) {
  const o = { json: false, n: 5000, rounds: 3, seconds: 2, cold: 300, dir: null, regen: false, native: true, profile: "release", pkg: path.join(pkgDir, "pkg/node") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === "--json") o.json = true;
    else if (a === "--regen") o.regen = true;
    else if (a === "--no-native") o.native = false;
    else if (a === "--n") o.n = Math.max(1, Math.floor(num()));
    else if (a === "--rounds") o.rounds = Math.max(1, Math.floor(num()));
    else if (a === "--seconds") o.seconds = num();
    else if (a === "--cold") o.cold = Math.max(1, Math.floor(num()));
    else if (a === "--dir") o.dir = path.resolve(argv[++i] ?? "");
    else if (a === "--cargo-profile") o.profile = argv[++i] ?? "release";
    else if (a === "--pkg") o.pkg = path.resolve(argv[++i] ?? "");
    else throw new Error(`unknown argument ${a} (see the top of ${path.basename(import.meta.url)})`);
  }
  o.dir ??= path.join(process.env.CARGO_TARGET_DIR || path.join(rootDir, "target"), "wasm-bench");
  return o;
}

/** Runs the native example (cargo's messages and its own on stderr); its stdout. */
function example(profile, args) {
  const cargo = ["run", "--profile", profile, "--locked", "--quiet", "-p", "certanchor-wasm", "--example", "bench_fixture", "--", ...args];
  const r = spawnSync("cargo", cargo, {
    cwd: rootDir,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`cargo ${cargo.join(" ")} exited with ${r.status}`);
  return r.stdout;
}

function readFixture(dir) {
  const data = readFileSync(path.join(dir, "bundles.bin"));
  const bundles = [];
  for (let off = 0; off + 4 <= data.length; ) {
    const len = data.readUInt32LE(off);
    if (off + 4 + len > data.length) throw new Error("bundles.bin is truncated");
    // a copy with its own ArrayBuffer, as a .cab file read by a page would be
    bundles.push(new Uint8Array(data.subarray(off + 4, off + 4 + len)));
    off += 4 + len;
  }
  return {
    bundles,
    trustJson: readFileSync(path.join(dir, "trust.json"), "utf8"),
    meta: JSON.parse(readFileSync(path.join(dir, "meta.json"), "utf8")),
  };
}

function fixtureN(dir) {
  try {
    return JSON.parse(readFileSync(path.join(dir, "meta.json"), "utf8")).n;
  } catch {
    return null;
  }
}

const best = (xs) => Math.max(...xs);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Verifies bundles in turn, cycling, for about `seconds`: bundles per second. */
function cycle(bundles, seconds, verifyOne) {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let count = 0;
  let now = t0;
  do {
    for (const b of bundles) {
      if (verifyOne(b).verdict !== "valid") throw new Error("a bundle did not verify as valid");
      if (++count % 64 === 0 && (now = performance.now()) >= end) break;
    }
    now = performance.now();
  } while (now < end);
  return count / ((now - t0) / 1000);
}

function measureWasm(ca, fx, o) {
  const now = fx.meta.now;
  const v = new ca.Verifier(fx.trustJson);
  // warm-up, untimed: a pass that checks every bundle, then cycling for a
  // second (V8 tiers hot wasm functions up to its optimizing compiler)
  cycle(fx.bundles, 0, (b) => v.verify(b, now));
  cycle(fx.bundles, 1, (b) => v.verify(b, now));
  const warmRounds = [];
  for (let r = 0; r < o.rounds; r++) warmRounds.push(cycle(fx.bundles, o.seconds, (b) => v.verify(b, now)));
  v.free();
  const coldSet = fx.bundles.slice(0, Math.min(o.cold, fx.bundles.length));
  const coldRounds = [];
  for (let r = -1; r < o.rounds; r++) { // round -1: warm-up, untimed
    const t0 = performance.now();
    for (const b of coldSet) {
      const fresh = new ca.Verifier(fx.trustJson);
      const report = fresh.verify(b, now);
      fresh.free();
      if (report.verdict !== "valid") throw new Error("a bundle did not verify as valid");
    }
    if (r >= 0) coldRounds.push(coldSet.length / ((performance.now() - t0) / 1000));
  }
  return {
    runtime: "wasm",
    n: fx.bundles.length, rounds: o.rounds, seconds: o.seconds, cold_n: coldSet.length,
    warm_per_s: best(warmRounds), warm_rounds_per_s: warmRounds,
    cold_per_s: best(coldRounds), cold_rounds_per_s: coldRounds,
    verify_many: typeof ca.Verifier.prototype.verifyMany === "function" ? "present, not measured" : "absent from the JS API",
  };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const log = o.json ? () => {} : (s) => console.log(s);
  const nodePkg = path.join(o.pkg, "certanchor_wasm.js");
  if (!existsSync(nodePkg)) throw new Error(`${nodePkg} missing: run scripts/test-wasm.sh --build-only first`);
  if (o.regen || fixtureN(o.dir) !== o.n || !existsSync(path.join(o.dir, "bundles.bin"))) {
    example(o.profile, ["write", o.dir, String(o.n)]);
  }
  const fx = readFixture(o.dir);
  const wasmBytes = readFileSync(path.join(o.pkg, "certanchor_wasm_bg.wasm")).length;
  // native first, then wasm: never both at once
  const native = o.native
    ? JSON.parse(example(o.profile, ["measure", o.dir, "--rounds", String(o.rounds), "--seconds", String(o.seconds), "--cold", String(o.cold)]))
    : null;
  const ca = createRequire(import.meta.url)(nodePkg);
  const wasm = measureWasm(ca, fx, o);
  const ratio = (k) => (native ? wasm[k] / native[k] : null);
  const ratios = native && {
    warm: ratio("warm_per_s"),
    cold: ratio("cold_per_s"),
    // the binding also builds the report as a JS object; the native side's
    // nearest equivalent is verify + Report::to_json_text (the text the
    // binding hands to JSON.parse)
    warm_over_native_warm_to_json: wasm.warm_per_s / native.warm_to_json_per_s,
  };
  const out = {
    bench: "certanchor-wasm verify",
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? "?",
    cores: os.availableParallelism?.() ?? os.cpus().length,
    package_version: ca.version(),
    wasm_pkg: o.pkg,
    wasm_bytes: wasmBytes,
    fixture: { dir: o.dir, n: fx.bundles.length, bundle_bytes: fx.meta.bundle_bytes, now: fx.meta.now },
    native: native && { cargo_profile: o.profile, ...native },
    wasm,
    ratios,
    target: { warm_ratio_at_least: 1 / 3, met: ratios ? ratios.warm >= 1 / 3 : null },
  };
  if (o.json) {
    console.log(JSON.stringify(out));
    return;
  }
  const f = (x) => (x == null ? "-" : Math.round(x).toLocaleString("en-US"));
  const r = (x) => (x == null ? "-" : x.toFixed(3));
  const rounds = (xs) => (xs ? xs.map(f).join(", ") : "-");
  log(`certanchor-wasm ${out.package_version}, Node ${out.node}, ${out.cpu} (${out.cores} cores), wasm ${wasmBytes} B`);
  log(`fixture: ${fx.bundles.length} bundles (${Math.round(fx.meta.bundle_bytes.mean)} B mean) in ${o.dir}`);
  log(`one thread, best of ${o.rounds} rounds (warm ~${o.seconds} s a round, cold ${wasm.cold_n} bundles a round):`);
  log(`  native warm          ${f(native?.warm_per_s)}/s   [${rounds(native?.warm_rounds_per_s)}]`);
  log(`  native warm+to_json  ${f(native?.warm_to_json_per_s)}/s   [${rounds(native?.warm_to_json_rounds_per_s)}]`);
  log(`  native cold          ${f(native?.cold_per_s)}/s   [${rounds(native?.cold_rounds_per_s)}]`);
  log(`  wasm warm            ${f(wasm.warm_per_s)}/s   [${rounds(wasm.warm_rounds_per_s)}]`);
  log(`  wasm cold            ${f(wasm.cold_per_s)}/s   [${rounds(wasm.cold_rounds_per_s)}]`);
  log(`  wasm verifyMany      ${wasm.verify_many}`);
  if (ratios) {
    log(`ratios wasm/native: warm ${r(ratios.warm)}, cold ${r(ratios.cold)}; warm vs native warm+to_json ${r(ratios.warm_over_native_warm_to_json)}`);
    log(`target warm ≥ 1/3 of native: ${out.target.met ? "met" : "NOT met"}`);
  }
}

try {
  main();
} catch (e) {
  console.error(`bench/verify.mjs: ${e.message}`);
  process.exit(1);
}
