// Puts the API docs UI (Scalar's standalone bundle from the @scalar/api-reference npm package)
// into the static assets, so /docs works offline and under a strict CSP without any CDN, and
// adds its caching rule to dist/public/_headers (written by widget/build.mjs, which runs first).
import { appendFileSync, copyFileSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const publicDir = join(root, "dist/public");
const headersFile = join(publicDir, "_headers");
if (!existsSync(headersFile)) throw new Error("run widget/build.mjs first: it writes _headers");

const require = createRequire(import.meta.url);
// The package exports no package.json; its main module lives in dist/.
const packageDir = resolve(dirname(require.resolve("@scalar/api-reference")), "..");
const assetsDir = join(publicDir, "docs/assets");
mkdirSync(assetsDir, { recursive: true });
copyFileSync(join(packageDir, "dist/browser/standalone.js"), join(assetsDir, "scalar.js"));
appendFileSync(headersFile, "/docs/assets/*\n  Cache-Control: no-cache\n");
console.log("docs UI dist/public/docs/assets/scalar.js (from @scalar/api-reference)");
