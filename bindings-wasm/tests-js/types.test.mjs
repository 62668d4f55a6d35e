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
