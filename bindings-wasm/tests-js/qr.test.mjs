// The clerk's page reading QR codes, in headless Chromium: a photo of a QR
// code picked through the file input, and the camera, fed by Chromium's fake
// capture device from a Y4M video of the same QR code. QR images are made
// with the `qrcode` npm package (dev dependency) from the fixture's CA1 texts.
//
// Chromium on Linux has no BarcodeDetector, so both paths exercise the page's
// bundled jsQR fallback (www/vendor/jsQR.js); the test asserts which decoder
// ran, so it notices if that changes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import QRCode from "qrcode";
import puppeteer from "puppeteer-core";
import { pkgDir, rootDir, securityFixture } from "./helpers.mjs";

const www = path.join(pkgDir, "www");
const shots = path.join(rootDir, "target", "screenshots");
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };
const tmp = mkdtempSync(path.join(os.tmpdir(), "certanchor-qr-"));
// bundles of the fixture's offices (keys of their own: a store holding a demo
// key is treated as the demo store)
const fx = securityFixture();
const license = { text: fx.office.valid_license, now: fx.now };
const title = license; // the camera reads the same licence (a short text, a small code)
let browser, server, url;

// A Y4M (YUV 4:2:0) video of one frame: the QR code of `text`, black on white.
function qrY4m(text, W = 1280, H = 720) {
  const qr = QRCode.create(text, { errorCorrectionLevel: "L" });
  const n = qr.modules.size;
  const scale = Math.floor(Math.min(W, H) / (n + 8));
  assert.ok(scale >= 3, `QR of ${n} modules too large for ${W}x${H}`);
  const x0 = Math.floor((W - n * scale) / 2), y0 = Math.floor((H - n * scale) / 2);
  const y = Buffer.alloc(W * H, 235);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!qr.modules.get(r, c)) continue;
      for (let dy = 0; dy < scale; dy++) y.fill(16, (y0 + r * scale + dy) * W + x0 + c * scale, (y0 + r * scale + dy) * W + x0 + (c + 1) * scale);
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), y, chroma]);
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  const video = path.join(tmp, "qr.y4m");
  writeFileSync(video, qrY4m(title.text));
  server = createServer((req, res) => {
    const p = path.join(www, decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/\/$/, "/index.html"));
    if (!p.startsWith(www) || !existsSync(p)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": TYPES[path.extname(p)] || "application/octet-stream" }).end(readFileSync(p));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${server.address().port}/`; // localhost: a secure context, so getUserMedia is allowed
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--use-fake-ui-for-media-stream", // grant the camera permission
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function open() {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => document.body.dataset.ready !== "0", { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "1");
  // the office's trust store (the page verifies nothing without one)
  const store = path.join(tmp, "office-trust.json");
  writeFileSync(store, JSON.stringify(fx.office.trust));
  await (await page.$("#trustfile")).uploadFile(store);
  await page.waitForFunction(() => document.getElementById("trustsrc").textContent.includes("office-trust.json"));
  // record which QR decoder the page uses
  await page.evaluate(() => {
    window.__qrDecoder = [];
    if (typeof window.jsQR === "function") {
      const real = window.jsQR;
      window.jsQR = (...a) => { window.__qrDecoder.push("jsQR"); return real(...a); };
    }
  });
  return { page, errors };
}

async function setAsOf(page, secs) {
  await page.$eval("#asof", (e, s) => {
    const d = new Date(s * 1000), p = (n) => String(n).padStart(2, "0");
    e.value = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    e.dispatchEvent(new Event("change"));
  }, secs);
}

const banner = (page) => page.$eval("#banner", (e) => ({ verdict: e.dataset.verdict, text: e.textContent }));

test("photo: a PNG of a QR code picked as a file → the CA1 text is read and verified → 有效", async () => {
  const { page, errors } = await open();
  const hasDetector = await page.evaluate(() => "BarcodeDetector" in window);
  await setAsOf(page, license.now);
  const png = path.join(tmp, "license-qr.png");
  await QRCode.toFile(png, license.text, { type: "png", errorCorrectionLevel: "M", scale: 4 });
  assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  await (await page.$("#file")).uploadFile(png);
  await page.waitForSelector("#result:not([hidden])", { timeout: 20000 });
  assert.equal(await page.$eval("#text", (e) => e.value), license.text);
  const b = await banner(page);
  assert.equal(b.verdict, "valid");
  assert.match(b.text, /^有效/);
  assert.match(await page.$eval("#fields", (e) => e.textContent), /统一社会信用代码|名称/);
  if (!hasDetector) assert.ok((await page.evaluate(() => window.__qrDecoder)).includes("jsQR"));
  await page.screenshot({ path: path.join(shots, "qr-photo.png"), fullPage: true });

  // a picture without a QR code says so, in the grey unreadable state, and
  // the previous result is gone
  const blank = path.join(tmp, "no-qr.png");
  writeFileSync(blank, await page.screenshot({ clip: { x: 0, y: 0, width: 200, height: 120 } }));
  await (await page.$("#file")).uploadFile(blank);
  await page.waitForFunction(() => /没有找到二维码/.test(document.getElementById("banner").textContent), { timeout: 20000 });
  assert.equal(await page.$eval("#banner", (e) => e.dataset.state), "unreadable");
  assert.equal(await page.$eval("#banner", (e) => e.dataset.verdict), undefined);
  assert.deepEqual(errors, []);
  await page.browserContext().close();
});

test("camera: a QR code in front of the (fake) camera → scanned, verified → 有效, camera stopped", async () => {
  const { page, errors } = await open();
  const hasDetector = await page.evaluate(() => "BarcodeDetector" in window);
  await setAsOf(page, title.now);
  assert.equal(await page.$eval("#camera", (e) => e.hidden), true);
  await page.click("#scan");
  await page.waitForSelector("#result:not([hidden])", { timeout: 30000 });
  assert.equal(await page.$eval("#text", (e) => e.value), title.text);
  const b = await banner(page);
  assert.equal(b.verdict, "valid");
  assert.match(b.text, /^有效/);
  assert.match(await page.$eval("#fields", (e) => e.textContent), /统一社会信用代码|名称/);
  // the scan stopped and released the camera
  assert.equal(await page.$eval("#camera", (e) => e.hidden), true);
  assert.equal(await page.$eval("#video", (v) => v.srcObject && v.srcObject.getTracks().some((t) => t.readyState === "live")), false);
  if (!hasDetector) assert.ok((await page.evaluate(() => window.__qrDecoder)).includes("jsQR"));
  await page.screenshot({ path: path.join(shots, "qr-camera.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.browserContext().close();
});
