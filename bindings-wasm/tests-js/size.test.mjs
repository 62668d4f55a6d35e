// Size budget (issue 7): the optimized .wasm ≤ 400 KB raw; raw and gzip
// sizes printed. scripts/test-wasm.sh builds it with nightly build-std,
// panic=immediate-abort, opt-level "z", fat LTO and wasm-opt -Oz.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { pkgDir } from "./helpers.mjs";

const BUDGET = 400 * 1000;
const read = (target) => readFileSync(path.join(pkgDir, "pkg", target, "certanchor_wasm_bg.wasm"));

for (const target of ["web", "node"]) {
  test(`optimized ${target} .wasm is within ${BUDGET} bytes`, (t) => {
    const wasm = read(target);
    assert.ok(WebAssembly.validate(wasm), "not a valid WebAssembly module");
    const gz = gzipSync(wasm, { level: 9 }).length;
    const line = `wasm size (${target}): ${wasm.length} B raw, ${gz} B gzip -9 (budget ${BUDGET} B raw)`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(wasm.length <= BUDGET, `over budget: ${line}`);
  });
}

test("the web and node packages ship the same optimized module", () => {
  assert.ok(read("web").equals(read("node")));
});
