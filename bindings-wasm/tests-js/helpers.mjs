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
