// The clerk's verification page. Presentation only: every decision (verdict,
// check outcomes, whether the claims are genuine, which fields are
// disclosed, who issued and endorsed, the trust store's fingerprint) comes
// from the certanchor WebAssembly verifier. Words live in i18n.js, field
// labels in the core's schemas (fieldLabels), QR decoding in qr.js. Classic
// script (no ES modules) so the page also works when opened from file://.
//
// What the page keeps on this computer (localStorage): the office's trust
// store (its file name and text), the genuine status lists the verifier has
// accepted (so a reload gives the same verdicts), and the language. The demo
// trust store is never kept: it is chosen by hand, and every verdict under it
// says 演示 in the banner.
"use strict";

(function () {
  // `wasm_bindgen` is the global the no-modules build declares (pkg/certanchor_wasm.js).
  // eslint-disable-next-line no-undef
  const wb = wasm_bindgen;
  const T = window.CERTANCHOR_I18N;
  const $ = (id) => document.getElementById(id);
  const KEY = { trust: "certanchor.trust", status: "certanchor.status", lang: "certanchor.lang" };
  // Status lists kept across reloads: at most this many bytes (base64) of
  // localStorage, which browsers cap at about 5 MB per origin.
  const MAX_STATUS_STORE = 3 * 1024 * 1024;

  const state = {
    lang: "zh",
    verifier: null,
    // { mode: "office" | "demo", name, fp } of the trust store in use
    trust: null,
    // what is on screen: { kind: "report", report, asOf } | { kind: "unreadable", reason }
    shown: null,
    input: null,
    stream: null,
    // the wasm module is loaded (strings can be escaped by the core)
    ready: false,
    // bumped by every new input: an older input's slow work (a photo being
    // decoded, a camera frame, a file being read) is dropped when it ends
    seq: 0,
    // the status lists kept in local storage (base64), as last read or written
    kept: [],
  };
  const t = (k) => T[state.lang][k] ?? T.zh[k] ?? k;
  const fmt = (s, o) => s.replace(/\{(\w+)\}/g, (_, k) => String(o[k]));

  /** A string as people may see it: the core's escaping of control, bidi and invisible characters, capped. */
  const safe = (s) => wb.displayText(String(s));

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    // every string shown goes through the core's escaping: ids, names,
    // values and reasons come from bundles and files
    for (const k of kids) if (k != null) e.append(k instanceof Node ? k : safe(k));
    return e;
  }

  function time(secs) {
    if (secs == null) return "";
    const d = new Date(secs * 1000);
    return d.toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false }) + " (UTC+8)";
  }

  function msg(text, isError) {
    const m = $("msg");
    m.textContent = text && state.ready ? safe(text) : text || "";
    m.classList.toggle("error", !!isError);
  }

  // ---------- local storage (may be unavailable: private windows, policies) ----------
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (_) { return null; }
  }
  function save(key, value) {
    try {
      if (value == null) window.localStorage.removeItem(key); else window.localStorage.setItem(key, value);
      return true;
    } catch (e) {
      msg(t("storageErr") + e.message, true);
      return false;
    }
  }
  const toB64 = (u8) => { let s = ""; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000)); return btoa(s); };
  const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

  // ---------- trust store ----------
  /** The first 16 hex digits of a fingerprint, in groups of four. */
  const shortFp = (fp) => fp.slice(0, 16).replace(/(.{4})(?!$)/g, "$1 ");

  function setTrust(text, name, mode) {
    clearResult();
    let v;
    try {
      v = new wb.Verifier(text);
    } catch (e) {
      msg(t("trustErr") + errorText(e) + (e.code && T[state.lang].errors[e.code] ? " " + e.message : ""), true);
      return false;
    }
    if (state.verifier) state.verifier.free();
    state.verifier = v;
    // A store holding a key of the demo authorities (public, fixed seeds:
    // anyone can sign with them) is treated as the demo store, whatever
    // its file is called.
    const demoKeys = mode === "office" && usesDemoKeys(v.trustStore());
    state.trust = { mode, name, text, fp: wb.trustStoreFingerprint(text), demoKeys };
    const saved = mode !== "office" || save(KEY.trust, JSON.stringify({ name, text }));
    restoreStatus();
    renderTrust();
    if (demoKeys) msg(t("demoKeys"), true);
    else if (saved) msg(""); // else save() left its error on screen
    return true;
  }

  /** Whether a trust store trusts any key of the demo store. */
  function usesDemoKeys(doc) {
    const demo = new Set(JSON.parse(wb.demoTrustStore()).issuers.flatMap((i) => i.keys.map((k) => k.public_key)));
    return doc.issuers.some((i) => i.keys.some((k) => demo.has(k.public_key)));
  }

  /** Verdicts under this store prove nothing: the demo store, or one holding a demo key. */
  const isDemo = () => !!(state.trust && (state.trust.mode === "demo" || state.trust.demoKeys));

  /** A new input: drops what an older one still has in flight, and stops the camera. */
  function newInput(keepCamera) {
    state.seq++;
    if (!keepCamera && state.stream) stopScan();
    clearResult();
    return state.seq;
  }

  function dropTrust() {
    if (state.verifier) state.verifier.free();
    state.verifier = null;
    state.trust = null;
    clearResult();
    renderTrust();
  }

  function officeStored() {
    try { return JSON.parse(load(KEY.trust) || "null"); } catch (_) { return null; }
  }

  /** Hands the verifier every status list kept on this computer (those it refuses are dropped). */
  function restoreStatus() {
    let kept = [];
    try { kept = JSON.parse(load(KEY.status) || "[]"); } catch (_) { kept = []; }
    // read from storage once; keepStatus updates this copy
    state.kept = Array.isArray(kept) ? kept.filter((x) => typeof x === "string") : [];
    for (const b64 of state.kept) {
      try { state.verifier.addStatusList(fromB64(b64)); } catch (_) { /* not trusted by this store, or no longer usable */ }
    }
  }

  /** Keeps the verifier's accepted status lists (carried by bundles or loaded) across reloads. */
  function keepStatus() {
    if (!state.verifier || !state.trust || state.trust.mode !== "office") return;
    // the verifier's lists first, then those kept before that it does not
    // use (another office store's, kept for when that store comes back)
    const lists = [...new Set(state.verifier.statusLists().map(toB64).concat(state.kept))];
    let total = 0;
    const fit = lists.filter((s) => (total += s.length) <= MAX_STATUS_STORE);
    if (fit.length < lists.length) msg(t("statusFull"), true);
    state.kept = fit;
    save(KEY.status, JSON.stringify(fit));
    const count = $("statuscount");
    if (count) count.textContent = " · " + fmt(t("statusKnown"), { n: fit.length });
  }

  function renderTrust() {
    const src = $("trustsrc"), ul = $("authorities");
    ul.replaceChildren();
    const stored = officeStored();
    $("officetrust").hidden = !(state.trust && state.trust.mode === "demo" && stored);
    $("demotrust").hidden = !!(state.trust && state.trust.mode === "demo");
    if (!state.trust) {
      src.textContent = t("noTrust");
      src.className = "warn";
      return;
    }
    src.className = state.trust.mode === "demo" ? "warn" : "";
    src.replaceChildren(
      state.trust.mode === "demo" ? t("demoSrc") : fmt(t("officeSrc"), { name: state.trust.name }),
      " · ", t("fingerprint"), " ", el("code", { id: "fp" }, shortFp(state.trust.fp)),
      state.trust.mode === "office" ? el("span", { class: "muted", id: "statuscount" }, " · " + fmt(t("statusKnown"), { n: state.verifier.statusLists().length })) : null);
    const doc = state.verifier.trustStore();
    const names = Object.fromEntries(doc.issuers.map((i) => [i.id, i.name]));
    for (const i of doc.issuers) {
      const kinds = i.kinds.length ? t("kinds") + " " + i.kinds.map(kindName).join("、") : t("endorseOnly");
      ul.append(el("li", {}, el("strong", {}, i.name), " ", el("code", {}, i.id), el("br"), el("span", { class: "muted" }, kinds)));
    }
    for (const p of doc.policies) {
      const parts = [];
      if (p.endorsements) parts.push(fmt(t("needs"), { n: p.endorsements.at_least }) + p.endorsements.from.map((id) => names[id] || id).join("、"));
      if (p.require_status) parts.push(t("requiresStatus"));
      if (p.require_ledger) parts.push(t("requiresLedger"));
      if (parts.length) ul.append(el("li", { class: "policy" }, el("strong", {}, kindName(p.kind)), " — ", parts.join("；")));
    }
  }

  function kindName(kind) {
    const l = wb.fieldLabels(kind);
    if (l && l.label_zh && state.lang === "zh") return l.label_zh;
    return l && l.label_zh ? `${kind} (${l.label_zh})` : kind;
  }

  // ---------- verification ----------
  /** The as-of time the clerk set, for one check only. */
  function takeAsOf() {
    const v = $("asof").value;
    $("asof").value = "";
    return v ? new Date(v) : undefined;
  }

  function verify(input, fromScan) {
    newInput(fromScan);
    state.input = input;
    if (input == null || (typeof input === "string" && !input.trim()) || (input instanceof Uint8Array && !input.length)) {
      showUnreadable(t("empty"));
      return;
    }
    if (!state.verifier) {
      msg(t("needTrust"), true);
      return;
    }
    const asOf = takeAsOf();
    try {
      let report;
      if (asOf) {
        // As of another time: a verifier of its own, given the remembered
        // lists as of that time (the core refuses those dated after it), so
        // that later lists do not decide and nothing it sees is kept.
        const once = new wb.Verifier(state.trust.text);
        try {
          for (const list of state.verifier.statusLists()) {
            try { once.addStatusList(list, asOf); } catch (_) { /* dated after that time */ }
          }
          report = once.verify(input, asOf);
        } finally { once.free(); }
      } else {
        report = state.verifier.verify(input);
        keepStatus();
      }
      state.shown = { kind: "report", report, asOf };
      msg("");
      render();
      focusVerdict();
    } catch (e) {
      showUnreadable(t("error") + errorText(e));
    }
  }

  /** Hides every trace of the previous result (verdict, fields, checks) at once. */
  function clearResult() {
    state.shown = null;
    $("result").hidden = true;
    $("banner").replaceChildren();
    $("banner").removeAttribute("data-verdict");
    $("banner").removeAttribute("data-state");
    $("cert").replaceChildren();
    $("fields").tBodies[0].replaceChildren();
    $("checks").tBodies[0].replaceChildren();
    document.body.removeAttribute("data-verdict");
  }

  /** The grey state: nothing was read, so nothing was verified. */
  function showUnreadable(reason) {
    clearResult();
    state.shown = { kind: "unreadable", reason };
    render();
    focusVerdict();
  }

  function focusVerdict() {
    $("banner").focus({ preventScroll: false });
  }

  function outcomeText(c) {
    if (c.outcome === "skipped") return c.code === "not_checked" ? t("notChecked") : t("skipped");
    return c.outcome === "indeterminate" ? t("indeterminateO") : t(c.outcome);
  }

  /**
   * The word for a status key, by kind: a title's suspension is a seizure
   * (查封), any other certificate's a suspension (暂停). `key` is an i18n key
   * naming the suspension purpose; its `…Paused` variant is used for the
   * other kinds.
   */
  function pw(key, kind) {
    const paused = key + "Paused";
    return kind && kind !== "real_estate_title" && Object.hasOwn(T[state.lang], paused) ? t(paused) : t(key);
  }

  const sentence = (code) => (Object.hasOwn(T[state.lang].codes, code) ? T[state.lang].codes[code] : code);
  /** A thrown error in the clerk's words: the code's sentence, then the code. */
  const errorText = (e) => {
    const L = T[state.lang];
    const said = e.code && (Object.hasOwn(L.errors, e.code) ? L.errors[e.code] : Object.hasOwn(L.codes, e.code) ? L.codes[e.code] : null);
    return said ? `${said} [${e.code}]` : (e.code ? `[${e.code}] ` : "") + e.message;
  };
  function shortReason(c) {
    const L = T[state.lang];
    const kind = state.shown && state.shown.report && state.shown.report.certificate && state.shown.report.certificate.kind;
    if (c.code === "suspended") return pw("shortSuspended", kind);
    if (Object.hasOwn(L.short, c.code)) return L.short[c.code];
    // a ledger check that failed is not "not yet confirmed"
    if (c.check === "ledger" && c.outcome === "failed") return L.ledgerFailed;
    return Object.hasOwn(L.shortByCheck, c.check) ? L.shortByCheck[c.check] : sentence(c.code);
  }

  const kindOf = (r) => (r.certificate ? r.certificate.kind : null);

  function render() {
    const s = state.shown;
    if (!s) return;
    $("result").hidden = false;
    const b = $("banner");
    b.replaceChildren();
    if (s.kind === "unreadable") {
      b.className = "banner v-unreadable";
      b.dataset.state = "unreadable";
      b.removeAttribute("data-verdict");
      document.body.dataset.verdict = "unreadable";
      b.append(el("span", { class: "big" }, t("unreadable")), el("span", { class: "reason" }, s.reason));
      for (const id of ["certcard", "fieldscard", "checkscard"]) $(id).hidden = true;
      return;
    }
    const r = s.report;
    const format = r.checks.find((c) => c.check === "format");
    const unreadable = format && format.outcome === "failed";
    const demo = isDemo();
    const decided = r.checks.find((c) => c.outcome === (r.verdict === "invalid" ? "failed" : "indeterminate"));
    b.dataset.verdict = r.verdict;
    b.dataset.state = unreadable ? "unreadable" : r.verdict;
    document.body.dataset.verdict = unreadable ? "unreadable" : r.verdict;
    b.className = "banner v-" + (unreadable ? "unreadable" : r.verdict) + (demo ? " demo" : "");
    const big = unreadable ? t("unreadable")
      : demo ? t("demo" + r.verdict[0].toUpperCase() + r.verdict.slice(1)) : t(r.verdict);
    b.append(el("span", { class: "big" }, big));
    if (demo) b.append(el("span", { class: "tag demo-tag" }, t("demoBanner")));
    if (decided) b.append(el("span", { class: "reason", "data-code": decided.code }, shortReason(decided)));
    else b.append(el("span", { class: "sub" }, demo ? t("demoValidSub") : t("validSub")));
    // status freshness, or that status was not checked
    const statusCheck = r.checks.find((c) => c.check === "status");
    if (!unreadable) {
      for (const st of r.status) {
        b.append(el("span", { class: "sub status-line" }, fmt(t("statusAsOf"), { purpose: pw(st.purpose, kindOf(r)), from: time(st.issued_at), until: time(st.fresh_until) })));
      }
      if (r.verdict === "valid" && (!r.status.length || (statusCheck && statusCheck.outcome === "skipped"))) {
        b.append(el("span", { class: "sub tag", id: "nostatus" }, t("noStatusCheck")));
      } else if (r.verdict === "valid") {
        // a purpose the policy did not require and no list covered: say so
        for (const purpose of ["revocation", "suspension"]) {
          if (!r.status.some((st) => st.purpose === purpose)) {
            b.append(el("span", { class: "sub tag nopurpose", "data-purpose": purpose }, fmt(t("purposeNotChecked"), { purpose: pw(purpose, kindOf(r)) })));
          }
        }
      }
    }
    if (s.asOf) b.append(el("span", { class: "sub tag", id: "asofline" }, fmt(t("asofSet"), { t: time(Math.floor(s.asOf.getTime() / 1000)) })));
    if (state.trust && state.trust.mode === "office") b.append(el("span", { class: "sub trustline" }, fmt(t("trustBanner"), { name: state.trust.name, fp: shortFp(state.trust.fp) })));
    b.append(el("span", { class: "sub printonly", id: "printedat" }, t("printed") + "：" + time(Math.floor(Date.now() / 1000))));
    if (r.verdict === "invalid" && !unreadable) b.append(el("span", { class: "printonly invalid-print" }, t("invalidPrint")));
    if (r.verdict === "indeterminate" && !unreadable) b.append(el("span", { class: "printonly invalid-print" }, t("indeterminatePrint")));

    $("checkscard").hidden = false;
    renderChecks(r);
    if (unreadable) {
      // nothing was read: no facts, no fields, no "none disclosed"
      $("certcard").hidden = true;
      $("fieldscard").hidden = true;
      return;
    }
    $("certcard").hidden = false;
    $("fieldscard").hidden = false;
    const claimed = !r.authentic;
    for (const id of ["certcard", "fieldscard"]) {
      const card = $(id);
      card.classList.toggle("claimed", claimed);
      card.dataset.verified = String(!claimed);
      card.querySelector(".claimed-note").textContent = claimed ? t("claimed") : "";
      card.querySelector(".claimed-note").hidden = !claimed;
    }
    renderFacts(r, claimed);
    renderFields(r, claimed);
  }

  function renderFacts(r, claimed) {
    const dl = $("cert");
    dl.replaceChildren();
    const fact = (k, ...v) => dl.append(el("dt", {}, t(k)), el("dd", {}, ...v));
    const mark = (node) => claimed ? el("span", { class: "claim" }, node, " ", el("span", { class: "claimtag" }, "（" + t("claimedTag") + "）")) : node;
    // A name only for a party whose signature verified (the report's name is
    // null otherwise): a forged anchor may claim a trusted authority's id, so
    // the id alone is shown, marked unverified, never the authority's name.
    const party = (p) => p.name
      ? el("span", { class: "party" }, p.name, " ", el("code", {}, p.id))
      : el("span", { class: "party unverified", "data-verified": "false" }, t("unverified"), el("code", {}, p.id));
    if (r.certificate) {
      fact("kind", mark(kindName(r.certificate.kind)));
      fact("certId", mark(r.certificate.id));
    }
    // When the claims are not genuine, even a party whose signature verified
    // (a genuine anchor spliced under a forged header) is only a claim here.
    if (r.issuer) fact("issuer", mark(party(r.issuer)));
    if (r.endorsers.length) fact("endorsers", mark(el("span", {}, ...r.endorsers.flatMap((p, i) => (i ? ["、", party(p)] : [party(p)])))));
    if (r.certificate) {
      fact("validity", mark(time(r.certificate.valid_from) + " — " +
        (r.certificate.valid_until == null ? t("noEnd") : time(r.certificate.valid_until))));
    }
    if (r.anchor) fact("anchor", mark(r.anchor.batch + " · " + fmt(t("leafOf"), { i: r.anchor.leaf_index + 1, n: r.anchor.tree_size })));
    if (r.status.length) {
      fact("status", ...r.status.flatMap((s, i) => {
        const said = s.set == null ? t("notCovered")
          : s.purpose === "revocation" ? t(s.set ? "setRevocation" : "clearRevocation")
            : pw(s.set ? "setSuspension" : "clearSuspension", kindOf(r));
        const line = el("span", { class: "statusfact" + (s.set ? " bad" : ""), "data-purpose": s.purpose },
          `${pw(s.purpose + "List", kindOf(r))} ${fmt(t("epoch"), { e: s.epoch })}：${said}`);
        return i ? [el("br"), mark(line)] : [mark(line)];
      }));
    }
    if (r.ledger) fact("ledger", `${r.ledger.origin} #${r.ledger.index} / ${r.ledger.tree_size}`);
    fact("verifiedAt", time(r.verified_at));
  }

  function renderFields(r, claimed) {
    const labels = (r.certificate && wb.fieldLabels(r.certificate.kind)) || { fields: {}, order: [], values: {} };
    const names = Object.keys(r.disclosed);
    const order = labels.order.filter((n) => names.includes(n)).concat(names.filter((n) => !labels.order.includes(n)));
    const tb = $("fields").tBodies[0];
    tb.replaceChildren();
    for (const n of order) {
      tb.append(el("tr", { "data-field": n, class: claimed ? "claim" : "" },
        el("th", { scope: "row" }, label(labels, n)), el("td", {}, value(labels, n, r.disclosed[n]))));
    }
    $("fields").hidden = order.length === 0;
    $("nofields").hidden = order.length !== 0;
  }

  function renderChecks(r) {
    const cb = $("checks").tBodies[0];
    cb.replaceChildren();
    for (const c of r.checks) {
      const said = sentence(c.code);
      cb.append(el("tr", { class: "o-" + c.outcome, "data-check": c.check, "data-outcome": c.outcome, "data-code": c.code },
        el("th", { scope: "row" }, T[state.lang].checkNames[c.check] || c.check, el("br"), el("code", {}, c.check)),
        el("td", {}, el("span", { class: "badge" }, outcomeText(c)), el("br"), el("code", {}, c.code)),
        el("td", {}, el("div", {}, said), c.reason ? el("div", { class: "muted detail" }, c.reason) : null)));
    }
  }

  function label(labels, path) {
    const zh = Object.hasOwn(labels.fields, path) ? labels.fields[path] : undefined;
    const short = path.split(".").pop();
    if (!zh) return el("span", {}, short);
    return state.lang === "zh"
      ? el("span", {}, zh, el("br"), el("code", { class: "muted" }, short))
      : el("span", {}, short, el("br"), el("span", { class: "muted" }, zh));
  }

  function value(labels, path, v) {
    if (v === null) return el("span", { class: "muted" }, t("nullValue"));
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
    const coded = typeof v === "string" && labels.values && Object.hasOwn(labels.values, v) ? labels.values[v] : undefined;
    if (coded) {
      return state.lang === "zh"
        ? el("span", { class: "val", "data-value": v }, coded, " ", el("code", { class: "muted" }, v))
        : el("span", { class: "val", "data-value": v }, v, " ", el("span", { class: "muted" }, coded));
    }
    return el("span", { class: "val" }, String(v));
  }

  // ---------- inputs ----------
  async function readFile(f) {
    const my = newInput();
    $("text").value = "";
    if (f.type.startsWith("image/")) {
      msg(t("reading"));
      let text;
      try {
        text = await qrFromImage(f);
      } catch (e) {
        if (my === state.seq) {
          showUnreadable(e && e.message === "no_decoder" ? t("noDecoder") : e && e.message === "several_codes" ? t("severalCodes") : t("badImage"));
        }
        return;
      }
      if (my !== state.seq) return; // a newer input came in meanwhile
      msg("");
      if (text) { $("text").value = text; verify(text); } else showUnreadable(t("noQr"));
      return;
    }
    let bytes;
    try {
      bytes = new Uint8Array(await f.arrayBuffer());
    } catch (_) {
      if (my === state.seq) showUnreadable(t("readFailed"));
      return;
    }
    if (my !== state.seq) return;
    // A .txt file holding CA1: text is handled by the core too (decode_any).
    verify(bytes);
  }

  /** qr.js's reader; without it (the file missing) the page has no QR decoder. */
  function qr() {
    if (!window.CertanchorQR) throw new Error("no_decoder");
    return window.CertanchorQR;
  }

  async function qrFromImage(file) {
    const reader = qr();
    const bmp = await createImageBitmap(file);
    try {
      return await reader.decode(bmp, bmp.width, bmp.height);
    } finally {
      if (bmp.close) bmp.close(); // frees a 12 MP bitmap at once
    }
  }

  async function loadStatusFiles(files) {
    const my = newInput();
    if (!state.verifier) { msg(t("needTrust"), true); return; }
    const verifier = state.verifier;
    let n = 0;
    const errs = [];
    for (const f of files) {
      try {
        const bytes = new Uint8Array(await f.arrayBuffer());
        if (verifier !== state.verifier) return; // the trust store changed meanwhile
        verifier.addStatusList(bytes);
        n++;
      } catch (e) {
        errs.push(fmt(t("statusErr"), { file: f.name }) + errorText(e));
      }
    }
    keepStatus();
    renderTrust();
    if (my === state.seq) clearResult();
    msg([n ? fmt(t("statusAdded"), { n }) : "", ...errs].filter(Boolean).join(" "), errs.length > 0);
  }

  async function startScan() {
    if (state.stream) return; // already scanning
    const my = newInput();
    $("text").value = "";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { msg(t("noCamera"), true); return; }
    let reader;
    try { reader = qr(); } catch (_) { msg(t("noDecoder"), true); return; }
    try {
      state.stream = await navigator.mediaDevices.getUserMedia(reader.cameraConstraints);
    } catch (e) { msg(t("noCamera") + " " + e.message, true); return; }
    if (my !== state.seq) { state.stream.getTracks().forEach((tr) => tr.stop()); state.stream = null; return; }
    const v = $("video");
    v.srcObject = state.stream;
    $("camera").hidden = false;
    try { await v.play(); } catch (e) { stopScan(); msg(t("noCamera") + " " + e.message, true); return; }
    msg(t("scanning"));
    const stream = state.stream;
    // one of qr.js's attempts per frame, taking turns (a frame stays short)
    let frame = 0;
    // this scan only: stopped, or replaced by a newer input, it ends
    const live = () => state.stream === stream && my === state.seq;
    const tick = async () => {
      if (!live()) return;
      try {
        const text = v.videoWidth ? await reader.decode(v, v.videoWidth, v.videoHeight, { frame: frame++ }) : null;
        if (!live()) return;
        if (text) { stopScan(); $("text").value = text; verify(text); return; }
      } catch (e) {
        if (!live()) return;
        // several codes in the frame: say so and keep looking
        if (e.message === "several_codes") { msg(t("severalCodes"), true); setTimeout(tick, 100); return; }
        stopScan();
        msg(e.message === "no_decoder" ? t("noDecoder") : e.message, true);
        return;
      }
      // a frame's attempt takes ~0.2–0.35 s at 1080p: a short pause keeps the page responsive
      setTimeout(tick, 100);
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
    renderTrust();
    render();
  }

  async function main() {
    const savedLang = load(KEY.lang);
    if (savedLang === "en" || savedLang === "zh") state.lang = savedLang;
    msg(t("loading"));
    const b64 = window.CERTANCHOR_WASM_B64;
    await wb({ module_or_path: fromB64(b64) });
    state.ready = true;
    $("ver").textContent = "certanchor-wasm " + wb.version();
    const stored = officeStored();
    if (!(stored && typeof stored.text === "string" && setTrust(stored.text, String(stored.name || "trust.json"), "office"))) {
      renderTrust();
      msg("");
    }

    const text = $("text");
    $("verify").addEventListener("click", () => verify(text.value));
    // A scanner types the text and Enter; a clerk may press Ctrl+Enter.
    text.addEventListener("keydown", (e) => {
      // not while an input method is composing (a Chinese IME's Enter picks a candidate)
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); verify(text.value); }
    });
    // A paste replaces the whole box and verifies; any other change clears
    // the previous result at once.
    text.addEventListener("paste", (e) => {
      const pasted = e.clipboardData && e.clipboardData.getData("text");
      if (pasted == null) return;
      e.preventDefault();
      text.value = pasted;
      verify(pasted);
    });
    text.addEventListener("input", (e) => {
      if (e.inputType === "insertFromPaste" || e.inputType === "insertFromDrop") verify(text.value);
      else newInput();
    });
    // A letter or digit typed outside the text box (a scanner, after focus
    // went to the verdict or a button) starts a new input there: a CA1: text
    // starts with "C". Space and Enter keep their meaning (scroll, press).
    document.addEventListener("keydown", (e) => {
      const a = document.activeElement;
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing || !/^[A-Za-z0-9]$/.test(e.key)) return;
      if (a && (a.tagName === "TEXTAREA" || a.tagName === "SELECT" || (a.tagName === "INPUT" && a.type !== "file"))) return;
      e.preventDefault();
      newInput();
      text.value = e.key;
      text.focus();
    });
    $("file").addEventListener("change", (e) => { const f = e.target.files[0]; newInput(); if (f) readFile(f); e.target.value = ""; });
    const drop = $("drop");
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); const f = e.dataTransfer.files[0]; newInput(); if (f) readFile(f); });
    $("scan").addEventListener("click", startScan);
    $("stopscan").addEventListener("click", stopScan);
    $("asof").addEventListener("change", () => newInput(true));
    $("trustfile").addEventListener("change", async (e) => {
      const f = e.target.files[0];
      e.target.value = "";
      if (!f) return;
      const my = newInput();
      const body = await f.text();
      if (my === state.seq) setTrust(body, f.name, "office");
    });
    $("statusfile").addEventListener("change", async (e) => {
      const files = Array.from(e.target.files);
      e.target.value = "";
      if (files.length) await loadStatusFiles(files);
    });
    $("demotrust").addEventListener("click", () => setTrust(wb.demoTrustStore(), "demo", "demo"));
    $("officetrust").addEventListener("click", () => {
      const s = officeStored();
      if (s) setTrust(s.text, s.name, "office");
    });
    $("forget").addEventListener("click", () => {
      if (!window.confirm(t("forgetConfirm"))) return;
      save(KEY.trust, null);
      save(KEY.status, null);
      state.kept = [];
      dropTrust();
    });
    $("lang").addEventListener("click", () => {
      state.lang = state.lang === "zh" ? "en" : "zh";
      save(KEY.lang, state.lang);
      applyLang();
    });
    const stamp = () => { const p = $("printedat"); if (p) p.textContent = t("printed") + "：" + time(Math.floor(Date.now() / 1000)); };
    window.addEventListener("beforeprint", stamp);
    $("print").addEventListener("click", () => { stamp(); window.print(); });
    applyLang();
    document.body.dataset.ready = "1";
  }

  main().catch((e) => { msg("certanchor: " + e.message, true); document.body.dataset.ready = "error"; });
})();
