// `npm run bench [-- filter…]`: runs every test/bench/*.bench.ts module (or those whose name
// contains a filter), prints one table and writes the rows to bench-results/latest.json; exits
// non-zero if a module throws, returns malformed rows, or no module matches.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchRow } from "../test/bench/types.ts";

// Bench modules that load the Worker import the invoice PDF's fonts as Data modules (as in the
// Worker): the hook turns them into ArrayBuffers before any module is imported.
register("./data-modules-hook.mjs", import.meta.url);

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BENCH_DIR = join(ROOT, "test", "bench");
const RESULTS_FILE = join(ROOT, "bench-results", "latest.json");
const SUFFIX = ".bench.ts";
/**
 * A module that takes longer than this is reported as failed (the run stays bounded); a module
 * that measures a slow baseline for real may export its own `timeoutMs`.
 */
const MODULE_TIMEOUT_MS = 150_000;

function isBenchRow(row: unknown): row is BenchRow {
  if (typeof row !== "object" || row === null) return false;
  const r = row as Record<string, unknown>;
  const numberOrNull = (v: unknown) => v === null || (typeof v === "number" && Number.isFinite(v));
  return (
    typeof r.name === "string" &&
    typeof r.unit === "string" &&
    typeof r.value === "number" &&
    Number.isFinite(r.value) &&
    numberOrNull(r.baseline) &&
    numberOrNull(r.ratio)
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runModule(file: string): Promise<BenchRow[]> {
  const loaded: unknown = await import(pathToFileURL(join(BENCH_DIR, file)).href);
  const run = (loaded as { run?: unknown }).run;
  if (typeof run !== "function") throw new Error(`${file} does not export run()`);
  const own = (loaded as { timeoutMs?: unknown }).timeoutMs;
  const timeout = typeof own === "number" && own > 0 ? own : MODULE_TIMEOUT_MS;
  const rows: unknown = await withTimeout(Promise.resolve(run()), timeout, file);
  if (!Array.isArray(rows)) throw new Error(`${file}: run() must resolve to an array of rows`);
  const bad = rows.find((row) => !isBenchRow(row));
  if (bad !== undefined) throw new Error(`${file}: malformed row ${JSON.stringify(bad)}`);
  return rows as BenchRow[];
}

function formatNumber(value: number | null): string {
  if (value === null) return "-";
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function table(rows: readonly BenchRow[]): string {
  const header = ["name", "unit", "value", "baseline", "ratio"];
  const cells = rows.map((row) => [
    row.name,
    row.unit,
    formatNumber(row.value),
    formatNumber(row.baseline),
    formatNumber(row.ratio),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const numeric = (column: number) => column >= 2;
  const render = (line: readonly string[]) =>
    line
      .map((cell, column) =>
        numeric(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [
    render(header),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...cells.map(render),
  ].join("\n");
}

async function main(): Promise<number> {
  const args: readonly string[] = process.argv.slice(2);
  const filters = args.filter((arg) => arg !== "--");
  const modules = readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith(SUFFIX))
    .sort()
    .filter(
      (file) =>
        filters.length === 0 ||
        filters.some((filter) => file.slice(0, -SUFFIX.length).includes(filter)),
    );
  if (modules.length === 0) {
    console.error(
      `bench: no module in test/bench/*${SUFFIX} matches ${filters.join(", ") || "(no filter)"}`,
    );
    return 1;
  }

  const rows: BenchRow[] = [];
  const failures: string[] = [];
  for (const file of modules) {
    const started = performance.now();
    try {
      rows.push(...(await runModule(file)));
      console.error(
        `bench: ${file} done in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      failures.push(file);
      console.error(
        `bench: ${file} FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    }
  }

  console.log(table(rows));
  mkdirSync(join(ROOT, "bench-results"), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(rows, null, 2)}\n`);
  console.error(`bench: ${rows.length} rows written to bench-results/latest.json`);
  if (failures.length > 0) {
    console.error(`bench: failed: ${failures.join(", ")}`);
    return 1;
  }
  return 0;
}

process.on("unhandledRejection", (reason: unknown) => {
  console.error("bench: unhandled rejection", reason);
  process.exit(1);
});

// Exit explicitly: a module that leaks a handle must not keep the run alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
