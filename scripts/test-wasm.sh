#!/usr/bin/env bash
# Builds and tests the WebAssembly binding (bindings-wasm/, npm package
# `certanchor-wasm`) and the clerk's page (bindings-wasm/www/).
#
# Installs what it needs when missing (idempotent; a second run skips every
# install): the wasm32 Rust target, a nightly toolchain with rust-src (the
# module is built with -Zbuild-std for size), wasm-bindgen-cli at Cargo.lock's
# wasm-bindgen version, the npm dev dependencies from package-lock.json
# (binaryen's wasm-opt, typescript, jsqr, puppeteer-core), Chromium and CJK
# fonts from apt. Then builds, optimizes, and runs `node --test` (vectors, API,
# error codes, tsc type check, size budget, headless Chromium page test) and
# an `npm pack` install smoke test. Exits non-zero on any failure.
#
# Build outputs (not committed): bindings-wasm/pkg/{web,node}/ (the npm
# package), bindings-wasm/www/pkg/ (no-modules build + the wasm inlined as
# base64, so the page works from file://), bindings-wasm/www/vendor/jsQR.js
# (QR fallback where BarcodeDetector is missing), target/screenshots/*.png,
# and the attack fixtures the tests read, <cargo target dir>/wasm-fixtures/.
#
# `scripts/test-wasm.sh --build-only` stops after the build (no Chromium or
# fonts installed, no tests): what the benchmark (bindings-wasm/bench/) needs.
set -euo pipefail
BUILD_ONLY=0
case "${1:-}" in
  --build-only) BUILD_ONLY=1 ;;
  "") ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
ROOT=$PWD
WASM_DIR=$ROOT/bindings-wasm
export CARGO_TERM_COLOR=never
have() { command -v "$1" >/dev/null 2>&1; }
step() { printf '\n=== %s\n' "$*"; }
T0=$(date +%s)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

step "toolchain"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
# The module is built with nightly's build-std (std rebuilt for size, panics
# abort without formatting): the only way under the 400 KB budget (README).
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup +nightly component list --installed | grep -qx rust-src || rustup +nightly component add rust-src
rustup +nightly target list --installed | grep -qx wasm32-unknown-unknown || rustup +nightly target add wasm32-unknown-unknown
echo "$(rustc +nightly --version)"
WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
[ -n "$WB" ] || { echo "wasm-bindgen not found in Cargo.lock" >&2; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB" ]; then
  # --locked fails on this machine's registry mirror (TOOLCHAIN.md); fall back.
  cargo install wasm-bindgen-cli --version "$WB" --locked || cargo install wasm-bindgen-cli --version "$WB"
fi
echo "wasm-bindgen $(wasm-bindgen --version | awk '{print $2}') (Cargo.lock: $WB)"
have node && have npm || apt_install nodejs npm
if [ "$BUILD_ONLY" = 0 ]; then
  have chromium || apt_install chromium
  fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || apt_install fonts-noto-cjk
fi
# npm dev dependencies, reinstalled only when package-lock.json changed
LOCK_SUM=$(sha256sum "$WASM_DIR/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$WASM_DIR/node_modules/.lock-sum" 2>/dev/null)" != "$LOCK_SUM" ]; then
  (cd "$WASM_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$LOCK_SUM" >"$WASM_DIR/node_modules/.lock-sum"
fi
WASM_OPT=$WASM_DIR/node_modules/.bin/wasm-opt   # npm binaryen; Debian's v108 emits broken wasm
echo "wasm-opt: $("$WASM_OPT" --version)"

step "cargo +nightly build -Zbuild-std --profile wasm-release --target wasm32-unknown-unknown -p certanchor-wasm"
# wasm-release = release with opt-level "z", fat LTO (root Cargo.toml). On top,
# for the size budget: std rebuilt with `optimize_for_size`, and
# panic=immediate-abort (no panic messages or unwinding machinery; the
# binding's code never panics on purpose: errors are thrown as codes), and no
# source locations compiled in (-Zlocation-detail=none), and derived Debug
# impls print only the type's name (-Zfmt-debug=shallow: 2.4 KB; no message
# the binding shows uses a derived Debug).
# A target directory of its own: these RUSTFLAGS would otherwise invalidate
# the stable builds' cache.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
WASM_TARGET_DIR=$TARGET_DIR/wasm-nightly
RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=shallow" \
  cargo +nightly build --profile wasm-release --locked --target wasm32-unknown-unknown \
  --target-dir "$WASM_TARGET_DIR" -p certanchor-wasm \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
RAW=$WASM_TARGET_DIR/wasm32-unknown-unknown/wasm-release/certanchor_wasm.wasm

step "wasm-bindgen (web, nodejs, no-modules for the page) + wasm-opt -Oz"
rm -rf "$WASM_DIR/pkg" "$WASM_DIR/www/pkg"
wasm-bindgen --target web --out-dir "$WASM_DIR/pkg/web" "$RAW"
wasm-bindgen --target nodejs --out-dir "$WASM_DIR/pkg/node" "$RAW"
wasm-bindgen --target no-modules --no-typescript --out-dir "$WASM_DIR/www/pkg" "$RAW"
# the package is "type": "module"; the nodejs build is CommonJS
echo '{ "type": "commonjs" }' >"$WASM_DIR/pkg/node/package.json"
RAW_BG=$(mktemp)
cp "$WASM_DIR/pkg/web/certanchor_wasm_bg.wasm" "$RAW_BG"
# The three builds carry the same module: optimize once, copy.
# --low-memory-unused: Rust's wasm places the 1 MB stack at the bottom of
# memory and nothing lives below address 1024 short of a full stack, so
# constant offsets fold into loads and stores; with --converge it saves
# 3.3 KB (397,600 → 394,337 B, 2026-12-07).
"$WASM_OPT" -Oz --low-memory-unused --converge --strip-debug --strip-producers "$WASM_DIR/pkg/web/certanchor_wasm_bg.wasm" -o "$WASM_DIR/pkg/web/opt.wasm"
mv "$WASM_DIR/pkg/web/opt.wasm" "$WASM_DIR/pkg/web/certanchor_wasm_bg.wasm"
for d in pkg/node www/pkg; do
  cmp -s "$RAW_BG" "$WASM_DIR/$d/certanchor_wasm_bg.wasm" || { echo "wasm-bindgen outputs differ" >&2; exit 1; }
  cp "$WASM_DIR/pkg/web/certanchor_wasm_bg.wasm" "$WASM_DIR/$d/certanchor_wasm_bg.wasm"
done
# The page loads the wasm from a classic script (file:// forbids fetch and ES modules there).
node -e '
  const fs = require("fs"), p = process.argv[1];
  const b64 = fs.readFileSync(p + "/certanchor_wasm_bg.wasm").toString("base64");
  fs.writeFileSync(p + "/certanchor_wasm_bg.js",
    "// Generated by scripts/test-wasm.sh: the optimized certanchor wasm, base64.\nwindow.CERTANCHOR_WASM_B64 = \"" + b64 + "\";\n");
' "$WASM_DIR/www/pkg"
rm "$WASM_DIR/www/pkg/certanchor_wasm_bg.wasm"
mkdir -p "$WASM_DIR/www/vendor"
cp "$WASM_DIR/node_modules/jsqr/dist/jsQR.js" "$WASM_DIR/www/vendor/jsQR.js"
RAW_SIZE=$(stat -c %s "$RAW")
OPT_SIZE=$(stat -c %s "$WASM_DIR/pkg/web/certanchor_wasm_bg.wasm")
GZ_SIZE=$(gzip -9c "$WASM_DIR/pkg/web/certanchor_wasm_bg.wasm" | wc -c)
echo "certanchor_wasm.wasm: cargo $RAW_SIZE B; optimized $OPT_SIZE B raw, $GZ_SIZE B gzip -9 (budget 400000 B raw)"
if [ "$BUILD_ONLY" = 1 ]; then
  rm -f "$RAW_BG"
  echo "test-wasm: built (--build-only) in $(( $(date +%s) - T0 )) s"
  exit 0
fi

step "attack fixtures for the Node tests (bindings-wasm/examples/security_fixture.rs)"
# The review's attacks (core/tests/security_review.rs) as bundles and lists,
# built by the core on the host; tests-js/security.test.mjs and the page
# test replay them through the wasm Verifier.
export CERTANCHOR_WASM_FIXTURES=$TARGET_DIR/wasm-fixtures
cargo run -q --locked -p certanchor-wasm --example security_fixture -- "$CERTANCHOR_WASM_FIXTURES"

step "node --test (vectors, API, errors, attacks, tsc, size, headless Chromium page)"
cd "$WASM_DIR"
CHROMIUM=$(command -v chromium) node --test --test-reporter=spec tests-js/ 2>&1 | tee "$TARGET_DIR/node-test.log"
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || { echo "node --test FAILED" >&2; exit "$status"; }

step "npm pack → npm install from the tarball → use in Node"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP" "$RAW_BG"' EXIT
TARBALL=$(npm pack --silent --pack-destination "$TMP" | tail -n1)
mkdir -p "$TMP/app"
(cd "$TMP/app" && echo '{"name":"app","private":true,"type":"module"}' >package.json \
  && npm install --no-audit --no-fund --offline --loglevel=error "$TMP/$TARBALL" \
  && node --input-type=module -e '
    const { Verifier, demoTrustStore, fieldLabels } = await import("certanchor-wasm");
    const v = new Verifier(demoTrustStore());
    const r = v.verify("CA1:", 0);
    if (r.checks[0].code !== "invalid_text_form" || fieldLabels("business_license").label_zh !== "营业执照") process.exit(1);
    console.log("installed from", process.argv[1], "and verified in Node: ok");
  ' "$TARBALL")
cd "$ROOT"

step "summary"
grep -E '^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms)' "$TARGET_DIR/node-test.log" || true
grep -E 'wasm size' "$TARGET_DIR/node-test.log" | sort -u || true
echo "screenshots: $(ls "$ROOT/target/screenshots" 2>/dev/null | tr '\n' ' ')"
echo "test-wasm: all passed in $(( $(date +%s) - T0 )) s"
