// The clerk's page in headless Chromium (Debian's /usr/bin/chromium, driven
// by puppeteer-core): opened from file:// and from a static HTTP server,
// paste a valid and a tampered CA1 text, load a trust store file, switch
// language, print view. Screenshots go to target/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";
import { ca, pkgDir, rootDir, vectors, caseNamed, hex, securityFixture } from "./helpers.mjs";

const www = path.join(pkgDir, "www");
const shots = path.join(rootDir, "target", "screenshots");
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
let browser, server, httpUrl;
const requests = [];

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = createServer((req, res) => {
    const p = path.join(www, decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/\/$/, "/index.html"));
    if (!p.startsWith(www) || !existsSync(p)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": TYPES[path.extname(p)] || "application/octet-stream" }).end(readFileSync(p));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  httpUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--allow-file-access-from-files"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(url, viewport = { width: 1100, height: 900 }) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => document.body.dataset.ready !== "0", { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "1", `page failed: ${errors.join("; ")} ${await page.$eval("#msg", (e) => e.textContent)}`);
  return { page, errors };
}

async function paste(page, text) {
  await page.$eval("#text", (e, t) => { e.value = t; }, text);
  await page.click("#verify");
  await page.waitForSelector("#result:not([hidden])");
}

// The vectors' bundles are verified at their own `now` (their status lists go stale later).
async function setAsOf(page, secs) {
  await page.$eval("#asof", (e, s) => {
    const d = new Date(s * 1000), p = (n) => String(n).padStart(2, "0");
    e.value = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    e.dispatchEvent(new Event("change"));
  }, secs);
}

const banner = (page) => page.$eval("#banner", (e) => ({ verdict: e.dataset.verdict, text: e.textContent }));
const checks = (page) => page.$$eval("#checks tbody tr", (rs) => rs.map((r) => [r.dataset.check, r.dataset.outcome]));

for (const [how, url] of [["file://", () => pathToFileURL(path.join(www, "index.html")).href], ["http", () => httpUrl]]) {
  test(`page from ${how}: valid bundle → 有效 with labels; tampered → 无效 at integrity`, async () => {
    const { page, errors } = await open(url());
    const trusted = await page.$eval("#authorities", (e) => e.textContent);
    assert.match(trusted, /北京市规划和自然资源委员会/);
    assert.match(trusted, /国家税务总局北京市税务局/);

    const good = caseNamed("valid_title_full");
    await setAsOf(page, good.now);
    await paste(page, good.text);
    let b = await banner(page);
    assert.equal(b.verdict, "valid");
    assert.match(b.text, /^有效/);
    const labels = await page.$eval("#fields", (e) => e.textContent);
    for (const l of ["不动产单元号", "权利人", "坐落", "不动产权证书号", "姓名（名称）"]) assert.match(labels, new RegExp(l));
    const cert = await page.$eval("#cert", (e) => e.textContent);
    assert.match(cert, /北京市规划和自然资源委员会/);
    assert.match(cert, /不动产权证书/);
    const cs = await checks(page);
    assert.equal(cs.length, 10);
    assert.ok(cs.every(([, o]) => o !== "failed"));
    if (how === "http") await page.screenshot({ path: path.join(shots, "valid.png"), fullPage: true });

    const bad = caseNamed("tampered_value");
    await paste(page, bad.text);
    b = await banner(page);
    assert.equal(b.verdict, "invalid");
    assert.match(b.text, /^无效/);
    assert.match(b.text, /完整性/);
    assert.deepEqual((await checks(page)).find(([c]) => c === "integrity"), ["integrity", "failed"]);
    if (how === "http") await page.screenshot({ path: path.join(shots, "invalid.png"), fullPage: true });

    // 中文 → English
    await page.click("#lang");
    b = await banner(page);
    assert.match(b.text, /^INVALID/);
    assert.match(await page.$eval("h1", (e) => e.textContent), /Certificate verification/);
    if (how === "http") await page.screenshot({ path: path.join(shots, "english.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("page: license → 有效 with 营业执照 labels; a loaded trust store without the issuer → 无效; phone width; print", async () => {
  const { page, errors } = await open(httpUrl, { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true });
  const lic = caseNamed("valid_license_partial");
  await setAsOf(page, lic.now);
  await paste(page, lic.text);
  assert.equal((await banner(page)).verdict, "valid");
  const fields = await page.$eval("#fields", (e) => e.textContent);
  assert.match(fields, /统一社会信用代码|名称|经营范围/);
  await page.screenshot({ path: path.join(shots, "phone.png"), fullPage: true });

  // the office's trust store: only the land registry, so the license issuer is not trusted
  const store = JSON.parse(JSON.stringify(vectors.trust_store));
  store.issuers = store.issuers.filter((i) => i.id === "cn.beijing.ghzrzyw");
  store.policies = store.policies.filter((p) => p.kind === "real_estate_title" && false);
  const file = path.join(os.tmpdir(), `office-trust-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(store));
  const input = await page.$("#trustfile");
  await input.uploadFile(file);
  await page.waitForFunction(() => document.getElementById("trustsrc").textContent.includes("office-trust"));
  const trusted = await page.$eval("#authorities", (e) => e.textContent);
  assert.match(trusted, /北京市规划和自然资源委员会/);
  assert.doesNotMatch(trusted, /北京市市场监督管理局/);
  const b = await banner(page);
  assert.equal(b.verdict, "invalid");
  assert.deepEqual((await checks(page)).find(([c]) => c === "issuer_signature"), ["issuer_signature", "failed"]);

  // a refused trust store keeps the old one and says why
  writeFileSync(file, "{\"version\": 2, \"issuers\": []}");
  await input.uploadFile(file);
  await page.waitForFunction(() => document.getElementById("msg").textContent.includes("unsupported_version"));

  await page.emulateMediaType("print");
  assert.equal(await page.$eval("#input", (e) => getComputedStyle(e).display), "none");
  await page.screenshot({ path: path.join(shots, "print.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("page: a forged anchor claiming the land registry's id shows the id as unverified, never the registry's name; new codes read as sentences", async () => {
  const fx = securityFixture();
  const { page, errors } = await open(httpUrl);
  await setAsOf(page, fx.now);
  await paste(page, ca.bundleToText(hex(fx.forged_title.bundle)));
  assert.equal((await banner(page)).verdict, "invalid");
  assert.deepEqual((await checks(page)).find(([c]) => c === "issuer_signature"), ["issuer_signature", "failed"]);
  const cert = () => page.$eval("#cert", (e) => e.textContent);
  const issuer = () => page.$eval("#cert .party", (e) => ({ verified: e.dataset.verified, text: e.textContent }));
  assert.match(await cert(), /未经验证：cn\.beijing\.ghzrzyw/);
  assert.doesNotMatch(await cert(), /北京市规划和自然资源委员会/);
  assert.deepEqual(await issuer(), { verified: "false", text: "未经验证：cn.beijing.ghzrzyw" });
  await page.screenshot({ path: path.join(shots, "forged.png"), fullPage: true });
  await page.click("#lang");
  assert.match(await cert(), /unverified: cn\.beijing\.ghzrzyw/);
  assert.doesNotMatch(await cert(), /北京市规划和自然资源委员会/);
  // a genuine title still shows the registry's name
  const good = caseNamed("valid_title_full");
  await setAsOf(page, good.now);
  await paste(page, good.text);
  assert.match(await cert(), /北京市规划和自然资源委员会 cn\.beijing\.ghzrzyw/);
  assert.doesNotMatch(await cert(), /unverified/);
  // a status list dated after the verification time: the code's sentence
  await setAsOf(page, fx.now);
  await paste(page, ca.bundleToText(hex(fx.future.bundle)));
  const status = () => page.$eval('#checks tr[data-check="status"]', (e) => e.textContent);
  assert.match(await status(), /status_future/);
  assert.match(await status(), /dated after the verification time/);
  await page.click("#lang");
  assert.match(await status(), /状态列表的签发时间晚于核验时间/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page makes no network calls beyond its own files", () => {
  const foreign = requests.filter((u) => !u.startsWith("file:") && !u.startsWith(httpUrl) && !u.startsWith("data:") && !u.startsWith("blob:"));
  assert.deepEqual(foreign, []);
});
