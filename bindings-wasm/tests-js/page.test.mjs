// The clerk's page in headless Chromium (Debian's /usr/bin/chromium, driven
// by puppeteer-core), opened from file:// and from a static HTTP server, the
// way clerks at a registration counter use it: load the office's trust store,
// paste, scan (a scanner types the text and Enter) or pick files, status list
// files, reloads, the demo store, language, print. Each test runs in a fresh
// browser context (its own localStorage). Screenshots of every state go to
// target/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";
import { ca, pkgDir, rootDir, vectors, caseNamed, hex, b64, securityFixture } from "./helpers.mjs";

const www = path.join(pkgDir, "www");
const shots = path.join(rootDir, "target", "screenshots");
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const tmp = mkdtempSync(path.join(os.tmpdir(), "certanchor-page-"));
let browser, server, httpUrl;
const requests = [];
const fileUrl = () => pathToFileURL(path.join(www, "index.html")).href;

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

/** A page in a fresh browser context (empty localStorage), loaded and ready. */
async function open(url = httpUrl, viewport = { width: 1100, height: 900 }) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: "load" });
  await ready(page, errors);
  page.errors = errors;
  page.closeAll = () => context.close();
  return page;
}

async function ready(page, errors = page.errors) {
  await page.waitForFunction(() => document.body.dataset.ready !== "0", { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "1", `page failed: ${errors.join("; ")} ${await page.$eval("#msg", (e) => e.textContent)}`);
}

async function reload(page) {
  await page.reload({ waitUntil: "load" });
  await ready(page);
}

/** Writes a file under the test's temp dir and picks it in input `sel`. */
async function pick(page, sel, name, data) {
  const file = path.join(tmp, name);
  writeFileSync(file, data);
  await (await page.$(sel)).uploadFile(file);
}

/** Loads `doc` as the office's trust store. */
async function loadOffice(page, doc, name = "office-trust.json") {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc, null, 2);
  await pick(page, "#trustfile", name, text);
  await page.waitForFunction((n) => document.getElementById("trustsrc").textContent.includes(n), {}, name);
  return text;
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

/** Sets the as-of field as a clerk's earlier entry would be there (no change event). */
async function setAsOfQuietly(page, secs) {
  await page.$eval("#asof", (e, s) => {
    const d = new Date(s * 1000), p = (n) => String(n).padStart(2, "0");
    e.value = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }, secs);
}

async function verifyAt(page, text, secs) {
  await setAsOf(page, secs);
  await paste(page, text);
}

const banner = (page) => page.$eval("#banner", (e) => ({
  verdict: e.dataset.verdict, state: e.dataset.state, big: e.querySelector(".big")?.textContent,
  reason: e.querySelector(".reason")?.textContent ?? null, text: e.textContent, demo: e.classList.contains("demo"),
}));
const resultShown = (page) => page.$eval("#result", (e) => !e.hidden);
const checks = (page) => page.$$eval("#checks tbody tr", (rs) => rs.map((r) => [r.dataset.check, r.dataset.outcome]));
const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
/** The banner's verdict does not say 有效. */
async function noValidShown(page) {
  const big = await page.$$eval("#banner .big", (es) => es.map((e) => e.textContent).join(""));
  assert.doesNotMatch(big, /有效/);
}

// The office path uses the fixture's offices, whose keys are not the demo
// seeds' (a store holding a demo key is treated as the demo store).
const fx = securityFixture();
const office = fx.office.trust;
const good = { text: fx.office.valid_title, now: fx.now };
const revoked = { text: fx.office.revoked_title, now: fx.now };

for (const [how, url] of [["file://", fileUrl], ["http", () => httpUrl]]) {
  test(`page from ${how}: no store until the office's is loaded; then 有效 with labels, the store's fingerprint and the as-of time in the banner; tampered → 无效 内容被篡改`, async () => {
    const page = await open(url());
    assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /尚未载入本单位信任库/);
    if (how === "http") await shot(page, "no-trust");
    await page.$eval("#text", (e, t) => { e.value = t; }, good.text);
    await page.click("#verify");
    assert.equal(await resultShown(page), false);
    assert.match(await page.$eval("#msg", (e) => e.textContent), /请先载入本单位信任库/);

    const text = await loadOffice(page, office);
    const fp = ca.trustStoreFingerprint(text);
    const shortFp = fp.slice(0, 16).replace(/(.{4})(?!$)/g, "$1 ");
    assert.match(await page.$eval("#trustsrc", (e) => e.textContent), new RegExp(`office-trust\\.json.*${shortFp}`));
    const trusted = await page.$eval("#authorities", (e) => e.textContent);
    assert.match(trusted, /北京市规划和自然资源委员会/);

    await verifyAt(page, good.text, good.now);
    let b = await banner(page);
    assert.equal(b.verdict, "valid");
    assert.equal(b.big, "有效");
    assert.match(b.text, new RegExp(`信任库：office-trust\\.json · 指纹 ${shortFp}`));
    assert.match(b.text, /按指定时间核验：.*（不是现在）/);
    assert.equal(await page.$eval("#asof", (e) => e.value), "", "the as-of time is for one check only");
    assert.equal(await page.evaluate(() => document.activeElement.id), "banner", "focus moves to the verdict");
    const fields = await page.$eval("#fields", (e) => e.textContent);
    for (const l of ["不动产单元号", "权利人", "坐落", "不动产权证书号", "姓名（名称）"]) assert.match(fields, new RegExp(l));
    // coded values read as words
    assert.match(fields, /居民身份证/);
    assert.match(fields, /抵押/);
    const cert = await page.$eval("#cert", (e) => e.textContent);
    assert.match(cert, /北京市规划和自然资源委员会/);
    assert.match(cert, /撤销名单 第 \d+ 版：本证未撤销/);
    assert.match(cert, /查封名单 第 \d+ 版：本证未被查封/);
    assert.match(b.text, /撤销状态截至 .*，有效至 /);
    assert.equal(await page.$eval("#certcard", (e) => e.dataset.verified), "true");
    assert.equal(await page.$eval("#officetrust", (e) => getComputedStyle(e).display), "none");
    const cs = await checks(page);
    assert.equal(cs.length, 10);
    assert.ok(cs.every(([, o]) => o !== "failed"));
    if (how === "http") await shot(page, "valid");

    // the next applicant is checked now (the as-of time was for one check)
    await paste(page, fx.office.tampered_title);
    b = await banner(page);
    assert.equal(b.verdict, "invalid");
    assert.equal(b.big, "无效");
    assert.equal(b.reason, "内容被篡改");
    assert.deepEqual((await checks(page)).find(([c]) => c === "integrity"), ["integrity", "failed"]);
    assert.doesNotMatch(b.text, /按指定时间核验/, "the as-of time was reset");
    if (how === "http") await shot(page, "invalid");

    // 中文 → English, remembered across a reload
    await page.click("#lang");
    b = await banner(page);
    assert.equal(b.big, "INVALID");
    assert.equal(b.reason, "altered");
    assert.match(await page.$eval("h1", (e) => e.textContent), /Certificate verification/);
    if (how === "http") await shot(page, "english");
    await reload(page);
    assert.match(await page.$eval("h1", (e) => e.textContent), /Certificate verification/);
    assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /office-trust\.json/, "the office's store is kept");
    assert.equal(await resultShown(page), false);
    assert.deepEqual(page.errors, []);
    await page.closeAll();
  });
}

test("a clerk's sequence: office store, genuine title, empty input, a photo without a QR code, a revoked title, a reload: 有效 only for the genuine title", async () => {
  const page = await open();
  await loadOffice(page, office);
  await verifyAt(page, good.text, good.now);
  assert.equal((await banner(page)).big, "有效");

  // empty input: the grey unreadable state, no trace of the previous applicant
  await page.$eval("#text", (e) => { e.value = ""; });
  await page.click("#verify");
  let b = await banner(page);
  assert.equal(b.state, "unreadable");
  assert.equal(b.verdict, undefined);
  assert.equal(b.big, "无法读取，请重新扫描");
  assert.match(b.text, /没有输入/);
  assert.equal(await page.$eval("#certcard", (e) => e.hidden), true);
  assert.equal(await page.$eval("#fieldscard", (e) => e.hidden), true);
  assert.equal(await page.$$eval("#fields tbody tr", (r) => r.length), 0);
  await noValidShown(page);
  await shot(page, "unreadable");

  // a photo without a QR code
  await verifyAt(page, good.text, good.now);
  assert.equal((await banner(page)).big, "有效");
  // a real photo of the page's header: text, no QR code
  const noQr = await page.screenshot({ clip: { x: 0, y: 0, width: 400, height: 120 } });
  await pick(page, "#file", "header.png", noQr);
  await page.waitForFunction(() => document.getElementById("banner").dataset.state === "unreadable");
  b = await banner(page);
  assert.match(b.text, /图片中没有找到二维码/);
  await noValidShown(page);

  // an unreadable photo (not an image at all)
  await verifyAt(page, good.text, good.now);
  await pick(page, "#file", "broken.png", Buffer.from("not a png at all"));
  await page.waitForFunction(() => document.getElementById("banner").dataset.state === "unreadable");
  assert.match((await banner(page)).text, /无法打开这张图片/);
  await noValidShown(page);

  // a revoked title
  await verifyAt(page, revoked.text, revoked.now);
  b = await banner(page);
  assert.equal(b.big, "无效");
  assert.equal(b.reason, "已撤销");
  assert.match(await page.$eval("#cert", (e) => e.textContent), /撤销名单 第 \d+ 版：本证已撤销/);
  await shot(page, "revoked");

  // a reload: the store is still the office's, nothing is shown
  await reload(page);
  assert.equal(await resultShown(page), false);
  await noValidShown(page);
  assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /office-trust\.json/);
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("any change of input, read error or trust error clears the result at once", async () => {
  const page = await open();
  await loadOffice(page, office);
  const valid = async () => { await verifyAt(page, good.text, good.now); assert.equal((await banner(page)).big, "有效"); };

  await valid();
  await page.focus("#text");
  await page.keyboard.press("End");
  await page.keyboard.type("x");
  assert.equal(await resultShown(page), false, "typing clears");

  await valid();
  await setAsOf(page, good.now + 60);
  assert.equal(await resultShown(page), false, "a new as-of time clears");
  await page.$eval("#asof", (e) => { e.value = ""; });

  await valid();
  await pick(page, "#trustfile", "broken-trust.json", "{ not json");
  await page.waitForFunction(() => /信任库被拒绝/.test(document.getElementById("msg").textContent));
  assert.equal(await resultShown(page), false, "a refused trust store clears");
  assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /office-trust\.json/, "and keeps the store in use");

  await valid();
  await pick(page, "#trustfile", "v2.json", "{\"version\": 2, \"issuers\": []}");
  await page.waitForFunction(() => document.getElementById("msg").textContent.includes("unsupported_version"));
  assert.match(await page.$eval("#msg", (e) => e.textContent), /信任库版本不受支持/);
  assert.equal(await resultShown(page), false);

  // a damaged text: grey, 文本损坏, not 无效, and no "none disclosed" or "no endorsers"
  await valid();
  await paste(page, good.text.slice(0, 200));
  const b = await banner(page);
  assert.equal(b.state, "unreadable");
  assert.equal(b.verdict, "invalid");
  assert.equal(b.big, "无法读取，请重新扫描");
  assert.equal(b.reason, "文本损坏");
  assert.equal(await page.$eval("#certcard", (e) => e.hidden), true);
  assert.equal(await page.$eval("#fieldscard", (e) => e.hidden), true);
  const rows = await page.$$eval("#checks tbody tr", (rs) => rs.map((r) => r.textContent));
  assert.match(rows[0], /不是有效的 CA1: 证照文本/);
  assert.ok(rows.slice(1).every((r) => /未检查/.test(r) && !/不适用/.test(r)), rows.join("\n"));
  await shot(page, "damaged-text");
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("the demo store is off until chosen, every verdict under it says 演示, and a reload forgets it; a store file holding a demo key is treated as the demo", async () => {
  const page = await open();
  const demoTitle = caseNamed("valid_title_full"); // the vectors are signed with the demo seeds' keys
  await page.click("#demotrust");
  await page.waitForFunction(() => /演示信任库/.test(document.getElementById("trustsrc").textContent));
  await verifyAt(page, demoTitle.text, demoTitle.now);
  const b = await banner(page);
  assert.equal(b.verdict, "valid");
  assert.equal(b.big, "演示：有效");
  assert.ok(b.demo);
  assert.match(b.text, /演示信任库：仅供演示，任何结果都不能作为核验依据/);
  assert.equal(await page.$eval("#banner", (e) => getComputedStyle(e).backgroundImage.includes("gradient")), true);
  assert.match(b.text, /演示密钥是公开的/);
  assert.doesNotMatch(b.text, /证照真实/);
  await shot(page, "demo");
  await reload(page);
  assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /尚未载入本单位信任库/);
  // the vectors' store (demo keys) loaded as if it were the office's: still a demo
  await loadOffice(page, vectors.trust_store, "looks-official.json");
  assert.match(await page.$eval("#msg", (e) => e.textContent), /含有演示机构的密钥/);
  await verifyAt(page, demoTitle.text, demoTitle.now);
  const forged = await banner(page);
  assert.equal(forged.big, "演示：有效");
  assert.ok(forged.demo);
  await reload(page);
  await verifyAt(page, demoTitle.text, demoTitle.now);
  assert.equal((await banner(page)).big, "演示：有效", "still a demo after a reload");
  // with an office store saved, the demo store is a detour back to it
  await loadOffice(page, office);
  await page.click("#demotrust");
  await page.waitForSelector("#officetrust:not([hidden])");
  await page.click("#officetrust");
  await page.waitForFunction(() => /office-trust\.json/.test(document.getElementById("trustsrc").textContent));
  // forgetting the saved store asks first
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); d.accept(); });
  await page.click("#forget");
  assert.match(asked, /确定清除本机保存的信任库和状态列表/);
  await reload(page);
  assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /尚未载入本单位信任库/);
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("status: list files load and persist, the same QR gets the same verdict after a reload, 撤销 and 查封 banners differ, status freshness in the banner", async () => {
  const page = await open();
  await loadOffice(page, office, "status-trust.json");
  // the revoked title without its revocation list: status cannot be confirmed
  const stripped = ca.bundleToText(hex(fx.office.revoked_stripped));
  await verifyAt(page, stripped, fx.now);
  let b = await banner(page);
  assert.equal(b.verdict, "indeterminate");
  assert.equal(b.big, "待定");
  assert.equal(b.reason, "缺少状态信息，请持证人更新");
  await shot(page, "indeterminate");

  // the office loads the batch's published lists from files
  const lists = fx.office.title_lists.map(hex);
  assert.equal(lists.length, 2);
  const input = await page.$("#statusfile");
  const files = lists.map((l, i) => { const f = path.join(tmp, `status-${i}.cose`); writeFileSync(f, l); return f; });
  await input.uploadFile(...files);
  await page.waitForFunction(() => /已载入状态列表 \d+ 份/.test(document.getElementById("msg").textContent));
  await verifyAt(page, stripped, fx.now);
  b = await banner(page);
  assert.equal(b.verdict, "invalid");
  assert.equal(b.reason, "已撤销");
  assert.match(b.text, /撤销状态截至 .*，有效至 .*/);

  // a reload keeps the lists: the same text, the same verdict
  await reload(page);
  assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /本机已保存状态列表 [1-9]\d* 份/);
  await verifyAt(page, stripped, fx.now);
  assert.equal((await banner(page)).reason, "已撤销");

  // seized, not revoked: a different banner
  await verifyAt(page, fx.office.suspended_title, fx.now);
  b = await banner(page);
  assert.equal(b.verdict, "invalid");
  assert.equal(b.reason, "已查封");
  assert.match(await page.$eval("#cert", (e) => e.textContent), /查封名单 第 \d+ 版：本证已被查封/);
  await shot(page, "suspended");
  // a licence is suspended (暂停), not seized
  await verifyAt(page, fx.office.valid_license, fx.now);
  assert.match(await page.$eval("#cert", (e) => e.textContent), /暂停名单 第 \d+ 版：本证未被暂停/);
  assert.match((await banner(page)).text, /暂停状态截至/);

  // a list that is not genuine is refused with a sentence
  await pick(page, "#statusfile", "junk.cose", Buffer.from("\x84\x40\xa0\x40\x40", "latin1"));
  await page.waitForFunction(() => /状态列表被拒绝（junk\.cose）/.test(document.getElementById("msg").textContent));

  // stale: status out of date, ask the holder to update
  await verifyAt(page, good.text, fx.office.stale_now);
  b = await banner(page);
  assert.equal(b.reason, "状态信息已过期，请持证人更新");
  await shot(page, "stale");
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("a valid verdict says which status was not checked: none at all, or 查封 when only a revocation list covered it", async () => {
  const page = await open();
  const lax = JSON.parse(JSON.stringify(office));
  for (const p of lax.policies) { p.require_status = false; delete p.status_purposes; }
  await loadOffice(page, lax, "lax-trust.json");
  const none = hex(fx.office.license_no_lists);
  assert.equal(ca.decodeBundle(none).status.length, 0);
  await verifyAt(page, ca.bundleToText(none), fx.now);
  let b = await banner(page);
  assert.equal(b.verdict, "valid");
  assert.match(b.text, /未核查撤销\/查封状态/);
  // only a revocation list: the banner says seizure was not checked
  await verifyAt(page, ca.bundleToText(hex(fx.office.title_revocation_only)), fx.now);
  b = await banner(page);
  assert.equal(b.verdict, "valid");
  assert.match(b.text, /撤销状态截至/);
  assert.match(b.text, /未核查查封状态/);
  assert.doesNotMatch(b.text, /未核查撤销状态/);
  await page.closeAll();
});

test("input: a text wrapped every 76 characters verifies; paste verifies; a scanner's text and Enter verify, and keys typed after focus moved start a new input", async () => {
  const page = await open();
  await loadOffice(page, office);
  const wrapped = good.text.match(/.{1,76}/g).join("\r\n");
  await verifyAt(page, wrapped, good.now);
  assert.equal((await banner(page)).big, "有效");

  // paste
  await setAsOf(page, good.now);
  await page.$eval("#text", (e, t) => {
    e.value = t;
    e.dispatchEvent(new InputEvent("input", { inputType: "insertFromPaste", bubbles: true }));
  }, good.text);
  await page.waitForSelector("#result:not([hidden])");
  assert.equal((await banner(page)).big, "有效");
  assert.equal(await page.evaluate(() => document.activeElement.id), "banner");

  // a scanner types into the page (focus is on the verdict) and presses Enter
  await setAsOfQuietly(page, revoked.now);
  await page.focus("#banner");
  await page.keyboard.type(revoked.text.slice(0, 1));
  assert.equal(await resultShown(page), false, "the first key clears the previous result");
  assert.equal(await page.evaluate(() => document.activeElement.id), "text");
  await page.keyboard.sendCharacter(revoked.text.slice(1));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#result:not([hidden])");
  const b = await banner(page);
  assert.equal(b.reason, "已撤销");
  assert.equal(await page.$eval("#text", (e) => e.value), revoked.text);
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("a slow photo decode that ends after a newer input is dropped; Space on the verdict scrolls; a scanner's first key on a button goes to the text box", async () => {
  const page = await open();
  await loadOffice(page, office);
  // a photo of the genuine title that takes 0.8 s to decode, and meanwhile
  // the clerk pastes the next applicant's revoked title
  await page.evaluate((text) => {
    window.CertanchorQR.decode = () => new Promise((r) => setTimeout(() => r(text), 800));
  }, good.text);
  const noQr = await page.screenshot({ clip: { x: 0, y: 0, width: 100, height: 60 } });
  await pick(page, "#file", "slow.png", noQr);
  await page.waitForFunction(() => /正在识别图片/.test(document.getElementById("msg").textContent));
  await verifyAt(page, revoked.text, revoked.now);
  assert.equal((await banner(page)).reason, "已撤销");
  await new Promise((r) => setTimeout(r, 1200));
  const b = await banner(page);
  assert.equal(b.reason, "已撤销", "the older photo's result did not replace the newer verdict");
  assert.equal(await page.$eval("#text", (e) => e.value), revoked.text);
  await noValidShown(page);

  // Space on the focused verdict keeps it
  await page.focus("#banner");
  await page.keyboard.press("Space");
  assert.equal(await resultShown(page), true);
  // a scanner's first key with focus on a button starts a new input
  await page.focus("#print");
  await page.keyboard.type("C");
  assert.equal(await resultShown(page), false);
  assert.equal(await page.evaluate(() => document.activeElement.id), "text");
  assert.equal(await page.$eval("#text", (e) => e.value), "C");
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("strings from files are shown escaped (bidi, control); an as-of check learns nothing; the browser's BarcodeDetector: none found → jsQR, several codes → refused", async () => {
  const page = await open();
  const odd = JSON.parse(JSON.stringify(office));
  odd.issuers[0].name = "北京\u202eABC\u0007";
  await loadOffice(page, odd, "odd-names.json");
  const shown = await page.$eval("#authorities", (e) => e.textContent);
  assert.match(shown, /北京\\u\{202e\}ABC\\u\{7\}/);
  assert.doesNotMatch(shown, /\u202e|\u0007/);

  // as of another time: a verifier of its own; what it sees is not kept
  await verifyAt(page, good.text, good.now);
  assert.equal((await banner(page)).big, "有效");
  await reload(page);
  assert.match(await page.$eval("#trustsrc", (e) => e.textContent), /本机已保存状态列表 0 份/);
  // checked now, the lists the bundle carries are kept (stale by now, they
  // still count for what they revoke)
  await paste(page, good.text);
  assert.match(await page.$eval("#statuscount", (e) => e.textContent), /本机已保存状态列表 2 份/);

  // BarcodeDetector (Chromium on Linux has none: a stand-in)
  const result = await page.evaluate(async () => {
    const c = document.createElement("canvas");
    c.width = 40; c.height = 40;
    const out = {};
    window.jsQR = () => ({ data: "from jsQR" });
    window.BarcodeDetector = class { async detect() { return []; } };
    out.none = await window.CertanchorQR.decode(c, 40, 40);
    window.BarcodeDetector = class { async detect() { return [{ rawValue: "a" }, { rawValue: "b" }]; } };
    try { await window.CertanchorQR.decode(c, 40, 40); out.several = "read"; } catch (e) { out.several = e.message; }
    window.BarcodeDetector = class { async detect() { return [{ rawValue: "one" }]; } };
    out.one = await window.CertanchorQR.decode(c, 40, 40);
    return out;
  });
  assert.deepEqual(result, { none: "from jsQR", several: "several_codes", one: "one" });
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("claims that did not verify are marked unverified on screen and in print; a forged anchor never shows the registry's name; an 无效 printout says so", async () => {
  const page = await open();
  await loadOffice(page, office);
  await verifyAt(page, ca.bundleToText(hex(fx.forged_title.bundle)), fx.now);
  assert.equal((await banner(page)).verdict, "invalid");
  assert.deepEqual((await checks(page)).find(([c]) => c === "issuer_signature"), ["issuer_signature", "failed"]);
  const cert = () => page.$eval("#cert", (e) => e.textContent);
  assert.match(await cert(), /未经验证：cn\.beijing\.ghzrzyw/);
  assert.doesNotMatch(await cert(), /北京市规划和自然资源委员会/);
  assert.deepEqual(await page.$eval("#cert .party", (e) => ({ verified: e.dataset.verified, text: e.textContent })),
    { verified: "false", text: "未经验证：cn.beijing.ghzrzyw" });
  for (const id of ["certcard", "fieldscard"]) {
    const card = await page.$eval(`#${id}`, (e) => ({ verified: e.dataset.verified, claimed: e.classList.contains("claimed"), note: e.querySelector(".claimed-note").textContent, hidden: e.querySelector(".claimed-note").hidden }));
    assert.deepEqual(card, { verified: "false", claimed: true, note: "以下为证照声称的内容，未通过核验，不能作为依据", hidden: false });
  }
  assert.match(await cert(), /（未经验证）/);
  await shot(page, "forged");

  await page.emulateMediaType("print");
  assert.equal(await page.$eval("#input", (e) => getComputedStyle(e).display), "none");
  assert.equal(await page.$eval("#trust", (e) => getComputedStyle(e).display), "none", "the trust list is left out");
  assert.equal(await page.$eval(".invalid-print", (e) => getComputedStyle(e).display), "block");
  assert.match(await page.$eval(".invalid-print", (e) => e.textContent), /无效：本证未通过核验/);
  assert.equal(await page.$eval("#printedat", (e) => getComputedStyle(e).display), "block");
  assert.match(await page.$eval("#printedat", (e) => e.textContent), /打印时间：\d{4}/);
  assert.equal(await page.$eval(".claimed-note", (e) => getComputedStyle(e).display), "block");
  await shot(page, "print-invalid");
  await page.emulateMediaType("screen");

  // a status list dated after the verification time (a demo-key fixture, so
  // under the demo store): the code's sentence, in both languages
  await page.click("#demotrust");
  await page.waitForFunction(() => /演示信任库/.test(document.getElementById("trustsrc").textContent));
  await verifyAt(page, ca.bundleToText(hex(fx.future.bundle)), fx.now);
  const status = () => page.$eval('#checks tr[data-check="status"]', (e) => e.textContent);
  assert.match(await status(), /状态列表的签发时间晚于核验时间/);
  await page.click("#lang");
  assert.match(await status(), /dated after the verification time/);
  // a genuine title shows the registry's name and no unverified mark
  await page.click("#officetrust");
  await page.waitForFunction(() => /office-trust\.json/.test(document.getElementById("trustsrc").textContent));
  await verifyAt(page, good.text, good.now);
  assert.match(await cert(), /北京市规划和自然资源委员会 cn\.beijing\.ghzrzyw/);
  assert.doesNotMatch(await cert(), /unverified/);
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("page: license at phone width → 有效 with 营业执照 labels; a store without the issuer → 无效; print of a valid result", async () => {
  const page = await open(httpUrl, { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true });
  const only = JSON.parse(JSON.stringify(office));
  await loadOffice(page, office);
  const lic = { text: fx.office.valid_license, now: fx.now };
  await verifyAt(page, lic.text, lic.now);
  assert.equal((await banner(page)).verdict, "valid");
  assert.match(await page.$eval("#fields", (e) => e.textContent), /统一社会信用代码|名称|经营范围/);
  await shot(page, "phone");
  await page.emulateMediaType("print");
  assert.equal(await page.$(".invalid-print"), null);
  await shot(page, "print");
  await page.emulateMediaType("screen");

  only.issuers = only.issuers.filter((i) => i.id === "cn.beijing.ghzrzyw");
  only.policies = [];
  await loadOffice(page, only, "land-registry-only.json");
  await verifyAt(page, lic.text, lic.now);
  assert.equal((await banner(page)).verdict, "invalid");
  assert.deepEqual((await checks(page)).find(([c]) => c === "issuer_signature"), ["issuer_signature", "failed"]);
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("the page makes no network calls beyond its own files", () => {
  const foreign = requests.filter((u) => !u.startsWith("file:") && !u.startsWith(httpUrl) && !u.startsWith("data:") && !u.startsWith("blob:"));
  assert.deepEqual(foreign, []);
});
