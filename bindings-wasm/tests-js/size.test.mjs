// Size budget: the optimized .wasm ≤ 400 KB raw; raw and gzip sizes printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { pkgDir } from "./helpers.mjs";

const BUDGET = 400 * 1000;

for (const target of ["web", "node"]) {
  test(`optimized ${target} .wasm is within ${BUDGET} bytes`, (t) => {
    const wasm = readFileSync(path.join(pkgDir, "pkg", target, "certanchor_wasm_bg.wasm"));
    const gz = gzipSync(wasm, { level: 9 }).length;
    const line = `wasm size (${target}): ${wasm.length} B raw, ${gz} B gzip -9 (budget ${BUDGET} B raw)`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(wasm.length <= BUDGET, line);
  });
}
