// Invoice documents: CPU time to render one XRechnung XML and one ZUGFeRD PDF (fonts subset and
// embedded, factur-x.xml attached), and what the Worker bundle weighs with pdf-lib, fontkit and
// the fonts inside (`wrangler deploy --dry-run --outdir`), against the 10 MB paid-plan limit.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ciiXml } from "../../worker/domain/cii.ts";
import { invoicePdf } from "../../worker/documents/pdf.ts";
import { mixedRates } from "../support/invoice-documents.ts";
import { pdfAssets } from "../support/pdf-assets.ts";
import { benchRow, type BenchRow } from "./types.ts";

const RUNS = 20;
const WORKER_LIMIT_BYTES = 10 * 1024 * 1024;

/** Median process CPU time per call (user + system), in milliseconds. */
async function cpuMs(render: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await render();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.cpuUsage();
    await render();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function bundle(): { raw: number; gzip: number } {
  const out = mkdtempSync(join(tmpdir(), "tarif-bundle-"));
  // The static assets (the widget) must exist for wrangler to accept the configuration.
  execFileSync(process.execPath, ["widget/build.mjs"], { stdio: "pipe" });
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out], {
    stdio: "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const files = filesUnder(out).filter(
    (path) => !path.endsWith(".map") && !path.endsWith("README.md"),
  );
  const bytes = files.map((path) => readFileSync(path));
  return {
    raw: bytes.reduce((sum, b) => sum + b.length, 0),
    gzip: bytes.reduce((sum, b) => sum + gzipSync(b).length, 0),
  };
}

export async function run(): Promise<BenchRow[]> {
  const facturX = ciiXml(mixedRates, "en16931");
  const xml = await cpuMs(() => ciiXml(mixedRates, "xrechnung"));
  const pdf = await cpuMs(() => invoicePdf(mixedRates, facturX, pdfAssets));
  const size = bundle();
  return [
    benchRow("render one XRechnung XML (3 lines), CPU", "ms", xml, null),
    benchRow("render one ZUGFeRD PDF (3 lines, fonts subset, XML attached), CPU", "ms", pdf, null),
    benchRow(
      "Worker bundle, uncompressed vs 10 MB limit",
      "MB",
      size.raw / 1024 / 1024,
      WORKER_LIMIT_BYTES / 1024 / 1024,
    ),
    benchRow("Worker bundle, gzipped", "MB", size.gzip / 1024 / 1024, null),
  ];
}
