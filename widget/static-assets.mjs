// Lays out the script-tag bundle for Workers static assets: an immutable copy under a
// content-hashed URL, the revalidated unversioned alias, manifest.json with the SRI hash, and
// the `_headers` rules (CORS for every origin — the bundle holds no data — and the caching).
import { createHash } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Immutable for a year (RFC 8246); the content hash in the path changes with every byte. */
const IMMUTABLE = "public, max-age=31536000, immutable";

// One Cache-Control per path: rules that match the same path join their values with commas.
const HEADERS = `# Workers static assets rules, written by widget/build.mjs.
/widget/*
  Access-Control-Allow-Origin: *
  Cross-Origin-Resource-Policy: cross-origin
  X-Content-Type-Options: nosniff
/widget/v/*
  Cache-Control: ${IMMUTABLE}
/widget/selfservice-portal.*
  Cache-Control: no-cache
/widget/manifest.json
  Cache-Control: no-cache
`;

/**
 * `widgetDir` holds the freshly built bundle (selfservice-portal.js with its .map and
 * .LEGAL.txt, which it links relatively); `publicDir` is the assets directory above it.
 */
export function publishWidgetAssets({ publicDir, widgetDir, version }) {
  const bundle = readFileSync(join(widgetDir, "selfservice-portal.js"));
  const contentHash = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
  const integrity = `sha384-${createHash("sha384").update(bundle).digest("base64")}`;
  const versionedDir = join(widgetDir, "v", contentHash);
  for (const name of [
    "selfservice-portal.js",
    "selfservice-portal.js.map",
    "selfservice-portal.js.LEGAL.txt",
  ]) {
    cpSync(join(widgetDir, name), join(versionedDir, name));
  }
  const urlOf = (dir) => `/${relative(publicDir, dir).replaceAll("\\", "/")}/selfservice-portal.js`;
  const manifest = {
    name: "@tarif/selfservice-portal",
    version,
    contentHash,
    url: urlOf(versionedDir),
    integrity,
    alias: urlOf(widgetDir),
  };
  writeFileSync(join(widgetDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(publicDir, "_headers"), HEADERS);
  return manifest;
}
