// The clerk's verification page. Presentation only: every decision (verdict,
// check outcomes, which fields are disclosed, who issued and endorsed) comes
// from the certanchor WebAssembly verifier's report. Field labels come from
// the core's schemas (fieldLabels). Classic script (no ES modules) so the page
// also works when opened from file://.
"use strict";

(function () {
  // `wasm_bindgen` is the global the no-modules build declares (pkg/certanchor_wasm.js).
  // eslint-disable-next-line no-undef
  const wb = wasm_bindgen;
  const $ = (id) => document.getElementById(id);

  const T = {
    zh: {
      title: "证照核验", print: "打印", input: "输入证照", pasteLabel: "粘贴 CA1: 文本（二维码内容）",
      verify: "核验", fileLabel: "选择或拖入 .cab 文件 / 二维码图片", scan: "扫描二维码", stop: "停止扫描",
      asof: "核验时间（留空为现在）", certificate: "证照信息", fields: "披露字段", noFields: "持证人未披露任何字段。",
      field: "字段", value: "内容", checks: "核验项", check: "检查", outcome: "结果", reason: "说明",
      trusted: "受信任的机构", loadTrust: "载入本单位信任库（JSON）", demoTrust: "恢复演示信任库",
      footer: "全部判定由 WebAssembly 核验器离线完成，页面不联网。", skip: "跳到输入",
      valid: "有效", invalid: "无效", indeterminate: "待定",
      validSub: "证照真实、未被篡改，签发与背书均符合信任策略。",
      invalidSub: "核验未通过：", indeterminateSub: "没有检查失败，但有必需的检查无法确定：",
      passed: "通过", failed: "未通过", skipped: "不适用", indeterminateO: "无法确定",
      kind: "证照种类", certId: "证照编号", issuer: "签发机关", endorsers: "背书部门", validity: "有效期",
      noEnd: "长期", unverified: "未经验证：", none: "无", anchor: "锚定批次", ledger: "账本", status: "状态列表",
      verifiedAt: "核验时间", demoSrc: "演示信任库（仅供演示，切勿用于生产）", fileSrc: "已载入：",
      kinds: "可签发", endorseOnly: "仅背书", policies: "背书策略", needs: "需要至少 {n} 个背书：",
      empty: "请先粘贴 CA1: 文本或选择文件。", noCamera: "此浏览器无法使用摄像头扫码。",
      noDecoder: "此浏览器不支持二维码识别（缺少 BarcodeDetector 和 jsQR）。", noQr: "图片中没有找到二维码。",
      scanning: "正在扫描…请将二维码对准摄像头。", trustErr: "信任库被拒绝：", error: "错误：", loading: "正在加载核验器…",
      leafOf: "第 {i} 项 / 共 {n} 项", epoch: "第 {e} 版", revocation: "撤销", suspension: "查封/暂停",
      printed: "打印时间",
      checkNames: {
        format: "格式", integrity: "完整性", inclusion: "批次包含", issuer_signature: "签发机关签名",
        authorization: "签发授权", endorsements: "部门背书", status: "撤销/查封状态", validity: "有效期",
        schema: "字段规范", ledger: "账本存证",
      },
      codes: {
        ok: "通过", digest_mismatch: "披露的字段与签发时不一致（被篡改）", disclosed_twice: "同一字段披露了两次",
        root_mismatch: "不属于签名的批次", tree_size_mismatch: "批次大小不符", unknown_key: "签名密钥不在信任库中",
        bad_signature: "签名无效", unauthorized_kind: "该机关无权签发此类证照", issuer_mismatch: "签发机关不一致",
        endorsements_missing: "缺少必需的部门背书", no_policy: "此类证照没有背书策略", revoked: "证照已被撤销",
        suspended: "证照已被查封/暂停", stale_status: "状态列表已过期，无法确认",
        status_missing: "缺少必需的撤销或查封状态列表，无法确认", status_future: "状态列表的签发时间晚于核验时间，不予采用",
        status_key_not_valid: "签署状态列表的密钥现已失效（如已吊销），该列表不予采用，无法确认",
        status_not_covering: "状态列表未覆盖本证", no_status: "未提供状态列表", expired: "证照已过期",
        not_yet_valid: "证照尚未生效", schema_violation: "字段不符合规范", unknown_kind: "未知的证照种类",
        no_receipt: "无账本回执", receipt_missing: "缺少必需的账本回执", not_in_ledger: "账本中查不到此锚定",
        untrusted_issuer: "签发机关不受信任", issued_in_future: "签发时间晚于核验时间，不予认可",
      },
    },
    en: {
      title: "Certificate verification", print: "Print", input: "Certificate", pasteLabel: "Paste the CA1: text (QR code content)",
      verify: "Verify", fileLabel: "Pick or drop a .cab file / QR image", scan: "Scan QR code", stop: "Stop scanning",
      asof: "Verify as of (empty = now)", certificate: "Certificate", fields: "Disclosed fields", noFields: "The holder disclosed no fields.",
      field: "Field", value: "Value", checks: "Checks", check: "Check", outcome: "Outcome", reason: "Reason",
      trusted: "Trusted authorities", loadTrust: "Load the office's trust store (JSON)", demoTrust: "Back to demo trust store",
      footer: "Every decision is made offline by the WebAssembly verifier; the page makes no network calls.", skip: "Skip to input",
      valid: "VALID", invalid: "INVALID", indeterminate: "INDETERMINATE",
      validSub: "Genuine and unaltered; issued and endorsed as the trust policy requires.",
      invalidSub: "Failed: ", indeterminateSub: "Nothing failed, but a required check could not be established: ",
      passed: "passed", failed: "failed", skipped: "not applicable", indeterminateO: "indeterminate",
      kind: "Kind", certId: "Certificate no.", issuer: "Issued by", endorsers: "Endorsed by", validity: "Valid",
      noEnd: "no end date", unverified: "unverified: ", none: "none", anchor: "Anchor batch", ledger: "Ledger", status: "Status lists",
      verifiedAt: "Verified at", demoSrc: "Demo trust store (for demonstration only, never production)", fileSrc: "Loaded: ",
      kinds: "issues", endorseOnly: "endorses only", policies: "Endorsement policies", needs: "needs at least {n} of: ",
      empty: "Paste a CA1: text or pick a file first.", noCamera: "This browser cannot use the camera.",
      noDecoder: "This browser cannot decode QR codes (no BarcodeDetector, no jsQR).", noQr: "No QR code found in the image.",
      scanning: "Scanning… hold the QR code in front of the camera.", trustErr: "Trust store refused: ", error: "Error: ", loading: "Loading the verifier…",
      leafOf: "entry {i} of {n}", epoch: "epoch {e}", revocation: "revocation", suspension: "suspension",
      printed: "Printed",
      checkNames: {
        format: "Format", integrity: "Integrity", inclusion: "Inclusion in batch", issuer_signature: "Issuer signature",
        authorization: "Authorization", endorsements: "Endorsements", status: "Revocation / suspension", validity: "Validity period",
        schema: "Field rules", ledger: "Ledger",
      },
      codes: {
        ok: "Passed", digest_mismatch: "A disclosed field differs from what was issued (altered)",
        disclosed_twice: "The same field is disclosed twice", root_mismatch: "Not part of the signed batch",
        tree_size_mismatch: "The batch size does not match", unknown_key: "The signing key is not in the trust store",
        bad_signature: "The signature is invalid", unauthorized_kind: "This authority may not issue this kind of certificate",
        issuer_mismatch: "The issuing authorities do not match", endorsements_missing: "A required endorsement is missing",
        no_policy: "No endorsement policy for this kind", revoked: "The certificate has been revoked",
        suspended: "The certificate is suspended (seized)", stale_status: "The status list is out of date; status cannot be confirmed",
        status_missing: "A required revocation or suspension list is missing; status cannot be confirmed",
        status_future: "The status list is dated after the verification time and is not used",
        status_key_not_valid: "The key that signed the status list is no longer valid (e.g. revoked); the list is not used and status cannot be confirmed",
        status_not_covering: "The status list does not cover this certificate", no_status: "No status list provided",
        expired: "The certificate has expired", not_yet_valid: "The certificate is not yet valid",
        schema_violation: "The fields break the rules for this kind", unknown_kind: "Unknown kind of certificate",
        no_receipt: "No ledger receipt", receipt_missing: "A required ledger receipt is missing",
        not_in_ledger: "The anchor is not in the ledger", untrusted_issuer: "The issuing authority is not trusted",
        issued_in_future: "Dated after the verification time; not accepted",
      },
    },
  };

  const state = { lang: "zh", verifier: null, trustSrc: null, report: null, input: null, stream: null };
  const t = (k) => T[state.lang][k] ?? T.zh[k] ?? k;
  const fmt = (s, o) => s.replace(/\{(\w+)\}/g, (_, k) => String(o[k]));

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k instanceof Node ? k : String(k));
    return e;
  }

  function time(secs) {
    if (secs == null) return "";
    const d = new Date(secs * 1000);
    return d.toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false }) + " (UTC+8)";
  }

  function msg(text, isError) {
    const m = $("msg");
    m.textContent = text || "";
    m.classList.toggle("error", !!isError);
  }

  // ---------- trust store ----------
  function setTrust(json, src) {
    try {
      const v = new wb.Verifier(json);
      if (state.verifier) state.verifier.free();
      state.verifier = v;
      state.trustSrc = src;
      renderTrust();
      msg("");
      if (state.input != null) verify(state.input);
      return true;
    } catch (e) {
      msg(t("trustErr") + (e.code ? `[${e.code}] ` : "") + e.message, true);
      return false;
    }
  }

  function renderTrust() {
    const doc = state.verifier.trustStore();
    $("trustsrc").textContent = state.trustSrc ? t("fileSrc") + state.trustSrc : t("demoSrc");
    const ul = $("authorities");
    ul.replaceChildren();
    const names = Object.fromEntries(doc.issuers.map((i) => [i.id, i.name]));
    for (const i of doc.issuers) {
      const kinds = i.kinds.length
        ? t("kinds") + " " + i.kinds.map(kindName).join("、")
        : t("endorseOnly");
      ul.append(el("li", {}, el("strong", {}, i.name), " ", el("code", {}, i.id), el("br"), el("span", { class: "muted" }, kinds)));
    }
    for (const p of doc.policies) {
      if (!p.endorsements) continue;
      ul.append(el("li", { class: "policy" }, el("strong", {}, kindName(p.kind)), " — ",
        fmt(t("needs"), { n: p.endorsements.at_least }) + p.endorsements.from.map((id) => names[id] || id).join("、")));
    }
  }

  function kindName(kind) {
    const l = wb.fieldLabels(kind);
    if (l && l.label_zh && state.lang === "zh") return l.label_zh;
    return l && l.label_zh ? `${kind} (${l.label_zh})` : kind;
  }

  // ---------- verification ----------
  function asOf() {
    const v = $("asof").value;
    return v ? new Date(v) : undefined;
  }

  function verify(input) {
    state.input = input;
    if (input == null || (typeof input === "string" && !input.trim())) {
      msg(t("empty"), true);
      return;
    }
    try {
      state.report = state.verifier.verify(input, asOf());
      msg("");
      render();
    } catch (e) {
      msg(t("error") + (e.code ? `[${e.code}] ` : "") + e.message, true);
    }
  }

  function outcomeText(o) {
    return o === "indeterminate" ? t("indeterminateO") : t(o);
  }

  function render() {
    const r = state.report;
    if (!r) return;
    $("result").hidden = false;
    const b = $("banner");
    b.className = "banner v-" + r.verdict;
    b.dataset.verdict = r.verdict;
    const notOk = r.checks.filter((c) => c.outcome === (r.verdict === "invalid" ? "failed" : "indeterminate"));
    const sub = r.verdict === "valid" ? t("validSub")
      : (r.verdict === "invalid" ? t("invalidSub") : t("indeterminateSub")) +
        notOk.map((c) => T[state.lang].checkNames[c.check]).join("、");
    b.replaceChildren(el("span", { class: "big" }, t(r.verdict)), el("span", { class: "sub" }, sub));

    // certificate facts
    const dl = $("cert");
    dl.replaceChildren();
    const fact = (k, ...v) => dl.append(el("dt", {}, t(k)), el("dd", {}, ...v));
    // A name only for a party whose signature verified (the report's name is
    // null otherwise): a forged anchor may claim a trusted authority's id, so
    // the id alone is shown, marked unverified, never the authority's name.
    const party = (p) => p.name
      ? el("span", { class: "party" }, p.name, " ", el("code", {}, p.id))
      : el("span", { class: "party unverified", "data-verified": "false" }, t("unverified"), el("code", {}, p.id));
    if (r.certificate) {
      fact("kind", kindName(r.certificate.kind));
      fact("certId", r.certificate.id);
    }
    if (r.issuer) fact("issuer", party(r.issuer));
    fact("endorsers", ...(r.endorsers.length ? r.endorsers.flatMap((p, i) => (i ? ["、", party(p)] : [party(p)])) : [t("none")]));
    if (r.certificate) {
      fact("validity", time(r.certificate.valid_from) + " — " +
        (r.certificate.valid_until == null ? t("noEnd") : time(r.certificate.valid_until)));
    }
    if (r.anchor) fact("anchor", r.anchor.batch + " · " + fmt(t("leafOf"), { i: r.anchor.leaf_index + 1, n: r.anchor.tree_size }));
    if (r.status.length) fact("status", r.status.map((s) => `${t(s.purpose)} ${fmt(t("epoch"), { e: s.epoch })}`).join("；"));
    if (r.ledger) fact("ledger", `${r.ledger.origin} #${r.ledger.index} / ${r.ledger.tree_size}`);
    fact("verifiedAt", time(r.verified_at));

    // disclosed fields, with the core schema's Chinese labels
    const labels = (r.certificate && wb.fieldLabels(r.certificate.kind)) || { fields: {}, order: [] };
    const names = Object.keys(r.disclosed);
    const order = labels.order.filter((n) => names.includes(n)).concat(names.filter((n) => !labels.order.includes(n)));
    const tb = $("fields").tBodies[0];
    tb.replaceChildren();
    for (const n of order) {
      tb.append(el("tr", { "data-field": n }, el("th", { scope: "row" }, label(labels, n)), el("td", {}, value(labels, n, r.disclosed[n]))));
    }
    $("fields").hidden = order.length === 0;
    $("nofields").hidden = order.length !== 0;

    // checks
    const cb = $("checks").tBodies[0];
    cb.replaceChildren();
    for (const c of r.checks) {
      const said = T[state.lang].codes[c.code];
      cb.append(el("tr", { class: "o-" + c.outcome, "data-check": c.check, "data-outcome": c.outcome },
        el("th", { scope: "row" }, T[state.lang].checkNames[c.check] || c.check, el("br"), el("code", {}, c.check)),
        el("td", {}, el("span", { class: "badge" }, outcomeText(c.outcome)), el("br"), el("code", {}, c.code)),
        el("td", {}, said ? el("div", {}, said) : null, el("div", { class: said ? "muted" : "" }, c.reason))));
    }
  }

  function label(labels, path) {
    const zh = labels.fields[path];
    const short = path.split(".").pop();
    if (!zh) return el("span", {}, short);
    return state.lang === "zh"
      ? el("span", {}, zh, el("br"), el("code", { class: "muted" }, short))
      : el("span", {}, short, el("br"), el("span", { class: "muted" }, zh));
  }

  function value(labels, path, v) {
    if (v === null) return el("span", { class: "muted" }, state.lang === "zh" ? "无（长期）" : "null (none)");
    if (Array.isArray(v)) {
      if (!v.length) return el("span", { class: "muted" }, t("none"));
      return el("ol", { class: "list" }, ...v.map((x) => el("li", {}, value(labels, path, x))));
    }
    if (typeof v === "object") {
      const dl = el("dl", { class: "rec" });
      for (const [k, x] of Object.entries(v)) {
        dl.append(el("dt", {}, label(labels, path + "." + k)), el("dd", {}, value(labels, path + "." + k, x)));
      }
      return dl;
    }
    return el("span", { class: "val" }, String(v));
  }

  // ---------- inputs ----------
  async function readFile(f) {
    if (f.type.startsWith("image/")) {
      const text = await qrFromImage(f);
      if (text) { $("text").value = text; verify(text); } else msg(t("noQr"), true);
      return;
    }
    const bytes = new Uint8Array(await f.arrayBuffer());
    // A .txt file holding CA1: text is handled by the core too (decode_any).
    verify(bytes);
  }

  async function qrFromImage(file) {
    const bmp = await createImageBitmap(file);
    return decodeQr(bmp, bmp.width, bmp.height);
  }

  async function decodeQr(source, w, h) {
    if ("BarcodeDetector" in window) {
      try {
        const det = new window.BarcodeDetector({ formats: ["qr_code"] });
        const codes = await det.detect(source);
        return codes.length ? codes[0].rawValue : null;
      } catch (_) { /* fall through to jsQR */ }
    }
    if (typeof window.jsQR === "function") {
      const c = document.createElement("canvas");
      c.width = w; c.height = h;
      const ctx = c.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(source, 0, 0, w, h);
      const img = ctx.getImageData(0, 0, w, h);
      const r = window.jsQR(img.data, w, h);
      return r ? r.data : null;
    }
    throw new Error(t("noDecoder"));
  }

  async function startScan() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { msg(t("noCamera"), true); return; }
    try {
      state.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) { msg(t("noCamera") + " " + e.message, true); return; }
    const v = $("video");
    v.srcObject = state.stream;
    $("camera").hidden = false;
    await v.play();
    msg(t("scanning"));
    const tick = async () => {
      if (!state.stream) return;
      try {
        const text = v.videoWidth ? await decodeQr(v, v.videoWidth, v.videoHeight) : null;
        if (text) { stopScan(); $("text").value = text; verify(text); return; }
      } catch (e) { stopScan(); msg(e.message, true); return; }
      setTimeout(tick, 250);
    };
    tick();
  }

  function stopScan() {
    if (state.stream) state.stream.getTracks().forEach((tr) => tr.stop());
    state.stream = null;
    $("camera").hidden = true;
    msg("");
  }

  function applyLang() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    $("lang").textContent = state.lang === "zh" ? "English" : "中文";
    document.title = t("title") + " · certanchor";
    if (state.verifier) renderTrust();
    render();
  }

  async function main() {
    msg(T.zh.loading);
    const b64 = window.CERTANCHOR_WASM_B64;
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    await wb({ module_or_path: bytes });
    $("ver").textContent = "certanchor-wasm " + wb.version();
    setTrust(wb.demoTrustStore(), null);

    $("verify").addEventListener("click", () => verify($("text").value));
    $("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) verify($("text").value); });
    $("file").addEventListener("change", (e) => { const f = e.target.files[0]; if (f) readFile(f); e.target.value = ""; });
    const drop = $("drop");
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); const f = e.dataTransfer.files[0]; if (f) readFile(f); });
    $("scan").addEventListener("click", startScan);
    $("stopscan").addEventListener("click", stopScan);
    $("asof").addEventListener("change", () => { if (state.input != null) verify(state.input); });
    $("trustfile").addEventListener("change", async (e) => {
      const f = e.target.files[0];
      if (f) setTrust(await f.text(), f.name);
      e.target.value = "";
    });
    $("demotrust").addEventListener("click", () => setTrust(wb.demoTrustStore(), null));
    $("lang").addEventListener("click", () => { state.lang = state.lang === "zh" ? "en" : "zh"; applyLang(); });
    $("print").addEventListener("click", () => window.print());
    applyLang();
    document.body.dataset.ready = "1";
  }

  main().catch((e) => { msg("certanchor: " + e.message, true); document.body.dataset.ready = "error"; });
})();
