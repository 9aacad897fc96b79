// The npm package of the widget as `npm pack` would publish it (dist/widget-npm, written by
// `npm run build:widget`, which `npm test` runs first): every export target, the declarations,
// the custom elements manifest, the script-tag bundle and the README are in the tarball.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const packageDir = new URL("../../dist/widget-npm/", import.meta.url);

interface PackResult {
  filename: string;
  files: { path: string }[];
}

function packed(): { files: Set<string>; filename: string } {
  if (!existsSync(new URL("package.json", packageDir)))
    throw new Error("dist/widget-npm is missing: run `npm run build:widget` first");
  const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: packageDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [result] = JSON.parse(output) as PackResult[];
  return { filename: result!.filename, files: new Set(result!.files.map((file) => file.path)) };
}

/** Every file an exports entry (or nested condition) points at. */
function targets(entry: unknown): string[] {
  if (typeof entry === "string") return [entry.replace(/^\.\//, "")];
  return Object.values(entry as Record<string, unknown>).flatMap(targets);
}

describe("the widget's npm package", () => {
  const { files, filename } = packed();
  const manifest = JSON.parse(readFileSync(new URL("package.json", packageDir), "utf8"));

  it("packs as @tarif/selfservice-portal with Lit as its only dependency", () => {
    expect(filename).toMatch(/^tarif-selfservice-portal-\d+\.\d+\.\d+\.tgz$/);
    expect(manifest).toMatchObject({ name: "@tarif/selfservice-portal", type: "module" });
    expect(Object.keys(manifest.dependencies)).toEqual(["lit"]);
  });

  it("holds every file its exports map, types and customElements fields name", () => {
    const named = [
      ...targets(manifest.exports),
      manifest.types.replace(/^\.\//, ""),
      manifest.customElements,
    ];
    expect(named.filter((file) => !files.has(file))).toEqual([]);
    for (const module of ["index", "define", "selfservice-portal", "portal-client", "portal-api"])
      expect(files.has(`${module}.d.ts`), `${module}.d.ts`).toBe(true);
    expect(files.has("bundle/selfservice-portal.js")).toBe(true);
    expect([...files].some((file) => file.startsWith("src/") || file.endsWith(".ts.map"))).toBe(
      false,
    );
  });

  it("describes <selfservice-portal> in its custom elements manifest", () => {
    const cem = JSON.parse(readFileSync(new URL("custom-elements.json", packageDir), "utf8"));
    const tags = cem.modules.flatMap((module: { declarations?: { tagName?: string }[] }) =>
      (module.declarations ?? []).map((declaration) => declaration.tagName),
    );
    expect(tags).toContain("selfservice-portal");
  });

  it("ships a README with a framework-free and a React example", () => {
    expect(files.has("README.md")).toBe(true);
    const readme = readFileSync(new URL("README.md", packageDir), "utf8");
    expect(readme).toContain('<script type="module"');
    expect(readme).toMatch(/```tsx[\s\S]*useRef[\s\S]*<selfservice-portal/);
  });
});
