// Builds the back office served at /app: one minified ES module with Lit included and the page
// that loads it, into dist/public/app. Fails when the bundle breaks the 60 KB gzip budget.
// Run with `npm run build:app`.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "dist/public/app");
const bundleFile = join(outDir, "app.js");
export const BUDGET_GZIP_BYTES = 60 * 1024;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [join(root, "app/src/index.ts")],
  outfile: bundleFile,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  legalComments: "linked",
  sourcemap: "linked",
  logLevel: "warning",
});
copyFileSync(join(root, "app/index.html"), join(outDir, "index.html"));
const bundle = readFileSync(bundleFile);
const gzipped = gzipSync(bundle, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `bundle dist/public/app/app.js: ${bundle.length} B (${kb(bundle.length)}) raw, ${gzipped} B (${kb(gzipped)}) gzipped, budget ${kb(BUDGET_GZIP_BYTES)}`,
);
if (gzipped > BUDGET_GZIP_BYTES) {
  console.error(
    `back-office bundle is ${kb(gzipped)} gzipped, over the ${kb(BUDGET_GZIP_BYTES)} budget`,
  );
  process.exit(1);
}
