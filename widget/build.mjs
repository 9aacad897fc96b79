// Builds the widget: (1) the minified single-file ES module with Lit included, served as static
// assets from dist/public/widget/ (a content-hashed immutable copy, the revalidated alias and
// manifest.json with the SRI hash, see static-assets.mjs); (2) an npm-style package in dist/widget-npm (ES modules,
// declarations, custom elements manifest, package.json). Fails when the bundle breaks the
// 25 KB gzip budget (DESIGN "Performance"). Run with `npm run build:widget`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { publishWidgetAssets } from "./static-assets.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const publicDir = join(root, "dist/public");
const bundleFile = join(publicDir, "widget/selfservice-portal.js");
const npmDir = join(root, "dist/widget-npm");
const BUDGET_GZIP_BYTES = 25 * 1024;

function run(command, args) {
  // Through npx so the pinned node and the local tsc/cem are used, as on a developer's machine.
  execFileSync("npx", [command, ...args], { cwd: root, stdio: "inherit" });
}

// (1) The script-tag bundle.
rmSync(dirname(bundleFile), { recursive: true, force: true });
await build({
  entryPoints: [join(root, "widget/src/index.ts")],
  outfile: bundleFile,
  bundle: true,
  format: "esm",
  minify: true,
  // Native class fields and private methods: smaller than lowered code, and every browser that
  // runs Lit 3 (custom elements, shadow DOM) has them.
  target: "es2022",
  // Lit's BSD notices go to a side file the bundle links to, instead of bloating every download.
  legalComments: "linked",
  sourcemap: "linked",
  logLevel: "warning",
});
const bundle = readFileSync(bundleFile);
const gzipped = gzipSync(bundle, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `bundle dist/public/widget/selfservice-portal.js: ${bundle.length} B (${kb(bundle.length)}) raw, ${gzipped} B (${kb(gzipped)}) gzipped, budget ${kb(BUDGET_GZIP_BYTES)}`,
);

const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const published = publishWidgetAssets({
  publicDir,
  widgetDir: dirname(bundleFile),
  version: rootPackage.version,
});
console.log(`versioned ${published.url} integrity ${published.integrity}`);

// (2) The npm-style package.
rmSync(npmDir, { recursive: true, force: true });
run("tsc", ["-p", "widget/tsconfig.build.json"]);
run("cem", [
  "analyze",
  "--litelement",
  "--quiet",
  "--config",
  "widget/custom-elements-manifest.config.mjs",
]);
mkdirSync(npmDir, { recursive: true });
writeFileSync(
  join(npmDir, "package.json"),
  `${JSON.stringify(
    {
      name: "@tarif/selfservice-portal",
      version: rootPackage.version,
      description: "<selfservice-portal>: the Tarif customer self-service web component (Lit).",
      type: "module",
      main: "./index.js",
      module: "./index.js",
      types: "./index.d.ts",
      exports: {
        ".": { types: "./index.d.ts", default: "./index.js" },
        "./selfservice-portal.js": {
          types: "./selfservice-portal.d.ts",
          default: "./selfservice-portal.js",
        },
        "./define.js": { types: "./define.d.ts", default: "./define.js" },
        "./portal-api.js": { types: "./portal-api.d.ts", default: "./portal-api.js" },
        "./portal-client.js": { types: "./portal-client.d.ts", default: "./portal-client.js" },
        "./custom-elements.json": "./custom-elements.json",
        // The script-tag build (Lit included) for CDNs that serve npm packages.
        "./bundle.js": "./bundle/selfservice-portal.js",
        "./package.json": "./package.json",
      },
      files: ["*.js", "*.d.ts", "*.js.map", "views/", "bundle/", "custom-elements.json"],
      keywords: ["web-component", "custom-element", "lit", "billing", "subscriptions", "portal"],
      // Importing the class alone registers nothing; index.js and define.js register the tag.
      sideEffects: ["./index.js", "./define.js"],
      customElements: "custom-elements.json",
      dependencies: { lit: rootPackage.dependencies.lit },
    },
    null,
    2,
  )}\n`,
);
copyFileSync(join(root, "widget/README.md"), join(npmDir, "README.md"));
mkdirSync(join(npmDir, "bundle"));
for (const name of [
  "selfservice-portal.js",
  "selfservice-portal.js.map",
  "selfservice-portal.js.LEGAL.txt",
])
  copyFileSync(join(dirname(bundleFile), name), join(npmDir, "bundle", name));
console.log("npm build dist/widget-npm: ES modules, .d.ts, custom-elements.json, package.json");

if (gzipped > BUDGET_GZIP_BYTES) {
  console.error(
    `widget bundle is ${kb(gzipped)} gzipped, over the ${kb(BUDGET_GZIP_BYTES)} budget`,
  );
  process.exit(1);
}
