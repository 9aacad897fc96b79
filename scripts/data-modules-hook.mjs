// A Node module hook for wrangler.toml's Data rule (fonts, ICC profile of the invoice PDF): such
// an import is the file's bytes as an ArrayBuffer, as in the Worker, so Node scripts that load the
// app (the typed client's generator) can import worker/documents/assets.ts. The unit project of
// vitest.config.ts does the same with a plugin.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export async function load(url, context, nextLoad) {
  if (!/\.(ttf|icc)$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const base64 = readFileSync(fileURLToPath(url)).toString("base64");
  return {
    format: "module",
    shortCircuit: true,
    source: `const bytes = Buffer.from(${JSON.stringify(base64)}, "base64");
export default bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);`,
  };
}
