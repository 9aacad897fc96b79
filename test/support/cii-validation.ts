// Runs the official validation artefacts vendored in test/fixtures (EN 16931 CII schematron XSLT,
// XRechnung CII schematron compiled with SchXslt) on a CII document in plain Node with SaxonJS.
// Compiling to SEF takes a minute, so the SEF files are cached under node_modules/.cache keyed
// by the SHA-256 of their sources; a changed artefact compiles anew.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import SaxonJS from "saxon-js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const fixtures = join(root, "test/fixtures");
const cache = join(root, "node_modules/.cache/tarif-cii-validation");
const xslt3 = join(root, "node_modules/xslt3/xslt3.js");

export interface Finding {
  id: string;
  flag: string;
  location: string;
  text: string;
}

function sha256Of(paths: string[]): string {
  const hash = createHash("sha256");
  for (const path of paths) hash.update(readFileSync(path));
  return hash.digest("hex").slice(0, 16);
}

async function xslt3Cli(args: string[]): Promise<void> {
  await run(process.execPath, [xslt3, ...args], { maxBuffer: 64 * 1024 * 1024 });
}

async function compiled(name: string, sources: string[], build: (out: string) => Promise<void>) {
  const target = join(cache, `${name}-${sha256Of(sources)}.sef.json`);
  if (!existsSync(target)) {
    mkdirSync(cache, { recursive: true });
    const partial = `${target}.${process.pid}.tmp`;
    await build(partial);
    renameSync(partial, target);
  }
  return JSON.parse(readFileSync(target, "utf8")) as unknown;
}

const en16931Source = join(fixtures, "en16931/EN16931-CII-validation.xslt");
const xrechnungSource = join(fixtures, "xrechnung/cii/XRechnung-CII-validation.sch");
const schxsltPipeline = join(fixtures, "schxslt/pipeline-for-svrl.xsl");

async function en16931Stylesheet(): Promise<unknown> {
  return compiled("en16931-cii", [en16931Source], (out) =>
    xslt3Cli([`-xsl:${en16931Source}`, `-export:${out}`, "-nogo"]),
  );
}

async function xrechnungStylesheet(): Promise<unknown> {
  const sources = [xrechnungSource, join(fixtures, "xrechnung/common.sch"), schxsltPipeline];
  return compiled("xrechnung-cii", sources, async (out) => {
    const xsl = `${out}.xsl`;
    mkdirSync(dirname(xsl), { recursive: true });
    await xslt3Cli([`-xsl:${schxsltPipeline}`, `-s:${xrechnungSource}`, `-o:${xsl}`]);
    await xslt3Cli([`-xsl:${xsl}`, `-export:${out}`, "-nogo"]);
  });
}

const SVRL = "http://purl.oclc.org/dsdl/svrl";

async function findingsOf(svrl: string): Promise<Finding[]> {
  const document = await SaxonJS.getResource({ text: svrl, type: "xml" });
  const found = SaxonJS.XPath.evaluate(
    "array { (//svrl:failed-assert | //svrl:successful-report) ! map { 'id': string(@id), " +
      "'flag': string(@flag), 'location': string(@location), 'text': normalize-space(svrl:text) } }",
    document,
    { namespaceContext: { svrl: SVRL } },
  );
  return found as Finding[];
}

async function validateWith(stylesheet: unknown, xml: string): Promise<Finding[]> {
  const result = await SaxonJS.transform(
    { stylesheetInternal: stylesheet, sourceText: xml, destination: "serialized" },
    "async",
  );
  return findingsOf(result.principalResult);
}

/** Findings of the EN 16931 rules and, for XRechnung, of the German CIUS as well. */
export async function validateCii(
  xml: string,
  rules: ("en16931" | "xrechnung")[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (rules.includes("en16931"))
    findings.push(...(await validateWith(await en16931Stylesheet(), xml)));
  if (rules.includes("xrechnung"))
    findings.push(...(await validateWith(await xrechnungStylesheet(), xml)));
  return findings;
}

export function fatal(findings: Finding[]): Finding[] {
  return findings.filter((finding) => finding.flag !== "warning" && finding.flag !== "information");
}
