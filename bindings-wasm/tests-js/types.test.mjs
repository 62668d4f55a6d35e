// tsc --noEmit over a small .ts file that uses every export through the
// package's `exports` (self-reference), for both the web and node builds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pkgDir, here } from "./helpers.mjs";

test("tsc --noEmit type-checks the .d.ts files", () => {
  const tsc = path.join(pkgDir, "node_modules", "typescript", "bin", "tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", path.join(here, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});

test("every export of the .d.ts has a doc comment", () => {
  for (const target of ["web", "node"]) {
    const dts = readFileSync(path.join(pkgDir, "pkg", target, "certanchor_wasm.d.ts"), "utf8");
    const lines = dts.split("\n");
    lines.forEach((l, i) => {
      if (/^export (function|class|type|interface) /.test(l) && !/^export (type|interface) (InitInput|InitOutput|SyncInitInput)\b/.test(l)) {
        const prev = lines.slice(Math.max(0, i - 3), i).join("\n");
        assert.match(prev, /\*\/\s*$/, `${target}: no doc comment before: ${l}`);
      }
    });
  }
});

test("the .d.ts `ResultCode` union is the core's list of codes, and `Check.code` uses it", async () => {
  const { ca } = await import("./helpers.mjs");
  for (const target of ["web", "node"]) {
    const dts = readFileSync(path.join(pkgDir, "pkg", target, "certanchor_wasm.d.ts"), "utf8");
    const m = dts.match(/export type ResultCode =([^;]+);/);
    assert.ok(m, `${target}: no ResultCode type`);
    const union = [...m[1].matchAll(/"([a-z0-9_]+)"/g)].map((x) => x[1]);
    assert.deepEqual(union, ca.resultCodes(), target);
    assert.match(dts, /\n\s+code: ResultCode;/, `${target}: Check.code is not typed ResultCode`);
  }
});
