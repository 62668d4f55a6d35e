// QR code reading for the clerk's page: photos and camera frames.
// A classic script (no modules), so the page works from file://.
//
//   CertanchorQR.decode(source, w, h[, opts]) -> Promise<string|null>
//     source: anything canvas drawImage takes (ImageBitmap, <video>, <img>,
//     canvas), w × h its size. Uses BarcodeDetector when the browser has one
//     (one code found: its answer; none, or it throws: the bundled jsQR with
//     the retries below). Throws Error("several_codes") when the detector
//     sees more than one code, Error("no_decoder") when there is no decoder.
//     opts.frame (camera): the frame's number. Only that frame's attempt
//       runs (one jsQR call), so a frame stays short; frame after frame, the
//       attempts take turns. Without it (a photo), every attempt runs, until
//       one reads the code.
//     opts.report: an object, filled with { decoder, attempt, tried, ms }.
//   CertanchorQR.cameraConstraints: the getUserMedia constraints to use.
//   CertanchorQR.attempts, CertanchorQR.plan(w, h): the retries (for tests).
//
// Why these retries (measured by tests-js/qr-photos.test.mjs on simulated
// phone photos of a version-34 code, 153 × 153 modules, see the README):
// jsQR works out how many modules the code has from the apparent module size
// of its finder patterns. Blur, ink and light make dark modules look bigger
// by a fraction of a pixel; at 3–4 px per module that is enough for jsQR to
// count 149 modules instead of 153, and then nothing decodes. A tone curve
// that lightens the mid greys (gamma < 1) thins the dark modules again:
// alone, gamma 0.7 read 27 of 38 test photos, the plain call 21. What it
// misses comes out as chance: a slightly different picture of the
// same code (turned by a few degrees, another curve) often reads, so the
// other attempts are such variations. Each attempt works on at most ~2
// megapixels: a bigger photo is scaled down, and its center is also tried at
// full size (a 12 MP photo of a whole page).
(function () {
  "use strict";
  // Pixels one jsQR call works on: 1920×1080 passes whole (~250 ms on a
  // 2-core laptop; 12 MP would take 1.5–2.5 s).
  var MAX_PIXELS = 2100000;

  // gamma: tone curve on the grey level (< 1 lightens, 1 leaves the picture
  // as it is); angle: the picture turned by that many degrees; crop: the
  // centered part kept (fraction of width and height), drawn at full size;
  // both: jsQR also tries the inverted picture (light code on dark).
  var ATTEMPTS = [
    { gamma: 0.7 },
    { gamma: 0.7, angle: 22 },
    { gamma: 1, both: true }, // the plain call the page used to make
    { gamma: 0.85, angle: -8 },
    { gamma: 0.55 },
    { gamma: 0.7, crop: 0.5 },
  ];

  var LUTS = {};
  function lut(gamma) {
    if (LUTS[gamma]) return LUTS[gamma];
    var t = new Uint8Array(256);
    for (var i = 0; i < 256; i++) t[i] = Math.round(255 * Math.pow(i / 255, gamma));
    return (LUTS[gamma] = t);
  }

  function grayOf(rgba) {
    var n = rgba.length >> 2, g = new Uint8Array(n);
    for (var i = 0, j = 0; j < n; i += 4, j++) g[j] = (rgba[i] * 54 + rgba[i + 1] * 183 + rgba[i + 2] * 19) >> 8;
    return g;
  }

  // The picture through the tone curve, as grey RGBA (what jsQR takes).
  function toned(view, gamma) {
    if (!view.gray) view.gray = grayOf(view.rgba);
    var t = lut(gamma), gray = view.gray, out = new Uint8ClampedArray(view.rgba.length);
    for (var i = 0, j = 0; j < gray.length; i += 4, j++) {
      var v = t[gray[j]];
      out[i] = v; out[i + 1] = v; out[i + 2] = v; out[i + 3] = 255;
    }
    return out;
  }

  function fitScale(w, h) {
    return Math.min(1, Math.sqrt(MAX_PIXELS / (w * h)));
  }

  function canvas(w, h) {
    var c = document.createElement("canvas");
    c.width = w; c.height = h;
    var g = c.getContext("2d", { willReadFrequently: true });
    g.imageSmoothingEnabled = true;
    g.imageSmoothingQuality = "medium";
    return { c: c, g: g };
  }

  // The part (sx, sy, sw, sh) of `source`, scaled by `s`.
  function draw(source, sx, sy, sw, sh, s) {
    var w = Math.max(1, Math.round(sw * s)), h = Math.max(1, Math.round(sh * s));
    var k = canvas(w, h);
    k.g.drawImage(source, sx, sy, sw, sh, 0, 0, w, h);
    return { w: w, h: h, canvas: k.c, rgba: k.g.getImageData(0, 0, w, h).data, gray: null };
  }

  // `view` turned by `deg` degrees about its center (same size; the corners
  // that come in are white).
  function turned(view, deg) {
    var k = canvas(view.w, view.h);
    k.g.fillStyle = "#fff";
    k.g.fillRect(0, 0, view.w, view.h);
    k.g.translate(view.w / 2, view.h / 2);
    k.g.rotate(deg * Math.PI / 180);
    k.g.drawImage(view.canvas, -view.w / 2, -view.h / 2);
    return { w: view.w, h: view.h, canvas: k.c, rgba: k.g.getImageData(0, 0, view.w, view.h).data, gray: null };
  }

  // One picture. The working image (scaled to MAX_PIXELS) is drawn once, on
  // first use: a <video> moves on, and the attempts should see one frame.
  function Picture(source, w, h) {
    this.source = source; this.w = w; this.h = h; this.base = null; this.views = {};
  }
  Picture.prototype.view = function (a) {
    if (!this.base) this.base = draw(this.source, 0, 0, this.w, this.h, fitScale(this.w, this.h));
    if (!a.crop && !a.angle) return this.base;
    var key = (a.crop || 1) + "/" + (a.angle || 0);
    if (!this.views[key]) {
      if (a.crop) {
        var cw = this.w * a.crop, ch = this.h * a.crop;
        this.views[key] = draw(this.source, (this.w - cw) / 2, (this.h - ch) / 2, cw, ch, fitScale(cw, ch));
      } else {
        this.views[key] = turned(this.base, a.angle);
      }
    }
    return this.views[key];
  };

  // The attempts for a w × h picture, in order. A center crop only when the
  // picture is big enough for the crop to be sharper than the working image;
  // it comes second when the picture is scaled down a lot (a 12 MP photo,
  // where the code is often small).
  function plan(w, h) {
    var s0 = fitScale(w, h), out = [];
    for (var i = 0; i < ATTEMPTS.length; i++) {
      var a = ATTEMPTS[i];
      if (!a.crop) out.push(a);
      else if (fitScale(w * a.crop, h * a.crop) > s0 * 1.1) out.splice(s0 < 0.6 ? 1 : out.length, 0, a);
    }
    return out;
  }

  function attempt(pic, a) {
    var v = pic.view(a);
    var r = window.jsQR(a.gamma === 1 ? v.rgba : toned(v, a.gamma), v.w, v.h,
      { inversionAttempts: a.both ? "attemptBoth" : "dontInvert" });
    return r && r.data ? r.data : null;
  }

  function now() { return window.performance ? window.performance.now() : Date.now(); }

  async function decode(source, w, h, opts) {
    opts = opts || {};
    var report = opts.report || {};
    var t0 = now();
    if ("BarcodeDetector" in window) {
      var codes = null;
      try {
        var det = new window.BarcodeDetector({ formats: ["qr_code"] });
        codes = await det.detect(source);
      } catch (_) { /* fall through to jsQR */ }
      report.decoder = "BarcodeDetector"; report.ms = now() - t0;
      // Several codes in one picture: which one is the applicant's is not
      // for the page to guess.
      if (codes && codes.length > 1) throw new Error("several_codes");
      if (codes && codes.length === 1) return codes[0].rawValue;
      // none found: jsQR with its retries may still read it
    }
    if (typeof window.jsQR !== "function") throw new Error("no_decoder");
    report.decoder = "jsQR"; report.attempt = null; report.tried = 0;
    var pic = new Picture(source, w, h), list = plan(w, h);
    if (typeof opts.frame === "number") list = [list[Math.abs(Math.floor(opts.frame)) % list.length]];
    for (var k = 0; k < list.length; k++) {
      if (k > 0) await new Promise(function (res) { setTimeout(res, 0); }); // let the page paint
      report.tried++;
      var text = attempt(pic, list[k]);
      if (text) {
        report.attempt = ATTEMPTS.indexOf(list[k]); report.ms = now() - t0;
        return text;
      }
    }
    report.ms = now() - t0;
    return null;
  }

  window.CertanchorQR = {
    decode: decode,
    attempts: ATTEMPTS,
    plan: plan,
    // 1920×1080 from the back camera. A version-34 code (161 modules with its
    // margin) filling 60–90% of the frame's height gets 4–6 px per module,
    // which scans; 640×480, what browsers give without asking, allows at most
    // 3 px per module even with the code filling the whole frame.
    cameraConstraints: {
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1920 }, height: { ideal: 1080 } },
    },
  };
})();
