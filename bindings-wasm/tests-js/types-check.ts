// Type-checked by `tsc --noEmit` (tests-js/types.test.mjs): the published
// .d.ts files describe what the tests use. Never run.
import * as node from "certanchor-wasm";
import init, * as web from "certanchor-wasm/web";
import type { Report, Check, Verdict, FieldLabels, BundleView, TrustStoreDoc, CertanchorError, ResultCode } from "certanchor-wasm/web";

export async function demo(text: string, bytes: Uint8Array): Promise<Verdict> {
  await init();
  const v: web.Verifier = new web.Verifier(web.demoTrustStore());
  const r: Report = v.verify(text, new Date());
  const first: Check = r.checks[0];
  const code: ResultCode = first.code;
  const all: ResultCode[] = web.resultCodes();
  const fp: string = node.trustStoreFingerprint(web.demoTrustStore());
  const kept: Uint8Array[] = v.statusLists();
  const authentic: boolean = r.authentic;
  const coded: string | undefined = node.fieldLabels("real_estate_title")?.values["mortgage"];
  console.log(all.includes("revoked"), fp, kept.length, authentic, coded);
  const n: Report = new node.Verifier(node.demoTrustStore()).verify(bytes, 1717030800);
  const labels: FieldLabels | undefined = node.fieldLabels("business_license");
  const zh: string | undefined = labels?.fields["uscc"];
  const view: BundleView = node.decodeBundle(bytes);
  const cab: Uint8Array = node.bundleFromText(text);
  const smaller: Uint8Array = node.withFewerFields(cab, ["location"]);
  const back: string = node.bundleToText(smaller);
  const doc: TrustStoreDoc = v.trustStore();
  const kinds: string[] = node.builtinKinds();
  try { node.bundleFromText("x"); } catch (e) { const ce = e as CertanchorError; console.log(ce.code, ce.name); }
  console.log(code, zh, view.header?.kind, back, doc.issuers[0]?.name, kinds, n.endorsers.map((p) => p.name));
  v.addStatusList(bytes);
  v.addStatusList(bytes, 1717030800);
  v.addStatusList(bytes, new Date());
  const held: number = v.memoryBytes();
  const issuerName: string | null | undefined = r.issuer?.name;
  const purposes: ("revocation" | "suspension")[] | undefined = doc.policies[0]?.status_purposes;
  const later: Report = v.verify(text);
  console.log(held, issuerName, purposes, later.verdict);
  v.free();
  return r.verdict;
}
