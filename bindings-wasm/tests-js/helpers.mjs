// Shared helpers: the Node build of the package (CommonJS) and the vectors.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const pkgDir = path.resolve(here, "..");
export const rootDir = path.resolve(pkgDir, "..");
const require = createRequire(import.meta.url);
export const ca = require("../pkg/node/certanchor_wasm.js");
export const vectors = JSON.parse(readFileSync(path.join(rootDir, "tests/vectors/bundles.json"), "utf8"));
export const trustJson = JSON.stringify(vectors.trust_store);
export const b64 = (s) => new Uint8Array(Buffer.from(s, "base64"));
export const caseNamed = (n) => vectors.cases.find((c) => c.name === n);

// The attack fixtures `examples/security_fixture.rs` writes (scripts/test-wasm.sh
// runs it into <cargo target dir>/wasm-fixtures and sets CERTANCHOR_WASM_FIXTURES).
export const fixtureDir = process.env.CERTANCHOR_WASM_FIXTURES || path.join(rootDir, "target", "wasm-fixtures");
export const hex = (h) => new Uint8Array(Buffer.from(h, "hex"));
let security;
export function securityFixture() {
  if (!security) {
    const file = path.join(fixtureDir, "security.json");
    try {
      security = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`${file}: ${e.message} (run scripts/test-wasm.sh, or: cargo run -p certanchor-wasm --example security_fixture -- ${fixtureDir})`);
    }
  }
  return security;
}
/** The bundles of a length-prefixed file (each after its length, a little-endian u32). */
export function readBundles(name) {
  const data = readFileSync(path.join(fixtureDir, name));
  const out = [];
  for (let at = 0; at < data.length;) {
    const len = data.readUInt32LE(at);
    if (at + 4 + len > data.length) throw new Error(`${name} is truncated`);
    out.push(new Uint8Array(data.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  return out;
}
