// The layering of docs/architecture.md as a test: every import of worker/ is scanned, and an import
// that runs up a layer (or out of the domain into Hono, drizzle, D1 or the network) fails it.
// The scanner is checked on synthetic files first, so a rule that matches nothing cannot pass.
import { readdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

interface SourceFile {
  /** Repository-relative, with forward slashes: `worker/domain/money.ts`. */
  path: string;
  source: string;
}

interface Violation {
  path: string;
  /** The import specifier or source token that breaks the rule. */
  found: string;
  rule: string;
}

interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

interface Rule {
  name: string;
  /** The files the rule is about. */
  appliesTo: (path: string) => boolean;
  /** Packages (by name or prefix) the files must not import. */
  packages: RegExp[];
  /** Repository folders the files must not import from. */
  folders: string[];
  /** Folders the files may import types (only) from. */
  typeOnlyFolders?: string[];
  /** Source tokens the files must not contain (outside comments). */
  tokens?: RegExp[];
}

const HONO = /^hono(\/|$)/;
const DRIZZLE = /^drizzle-orm(\/|$)/;
const CLOUDFLARE = /^(@cloudflare\/|cloudflare:)/;

const RULES: Rule[] = [
  {
    name: "worker/domain is pure: no Hono, drizzle, D1, fetch, and nothing of the layers above",
    appliesTo: (path) => path.startsWith("worker/domain/"),
    packages: [HONO, DRIZZLE, CLOUDFLARE],
    folders: [
      "worker/store",
      "worker/flows",
      "worker/http",
      "worker/routes",
      "worker/jobs",
      "worker/banking",
    ],
    typeOnlyFolders: ["schema"],
    tokens: [/\bfetch\s*\(/, /\bD1Database\b/, /\bD1PreparedStatement\b/],
  },
  {
    name: "worker/store reads and writes: nothing of flows, jobs, routes, http or Hono",
    appliesTo: (path) => path.startsWith("worker/store/"),
    packages: [HONO],
    folders: ["worker/flows", "worker/jobs", "worker/routes", "worker/http"],
  },
  {
    name: "worker/flows never speak HTTP: nothing of routes, http or Hono",
    appliesTo: (path) => path.startsWith("worker/flows/"),
    packages: [HONO],
    folders: ["worker/routes", "worker/http", "worker/jobs"],
  },
  {
    name: "worker/banking adapters sit below the use cases: nothing of flows, routes, http or Hono",
    appliesTo: (path) => path.startsWith("worker/banking/"),
    packages: [HONO],
    folders: ["worker/flows", "worker/routes", "worker/http", "worker/jobs"],
  },
];

const IMPORT_PATTERNS = [
  // import … from "x", export … from "x" (also over several lines)
  /\b(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
  // import "x" (side effects only)
  /\b(import)()\s*["']([^"']+)["']/g,
  // import("x")
  /\b(import)()\s*\(\s*["']([^"']+)["']\s*\)/g,
];

function importsOf(source: string): ImportRef[] {
  const found: ImportRef[] = [];
  for (const pattern of IMPORT_PATTERNS)
    for (const match of source.matchAll(pattern))
      found.push({ specifier: match[3]!, typeOnly: Boolean(match[2]) });
  return found;
}

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** The repository folder a relative import lands in, or null for a package. */
function resolved(fromPath: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  return posix.normalize(posix.join(posix.dirname(fromPath), specifier));
}

const inFolder = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

function layeringViolations(files: SourceFile[], rules: Rule[] = RULES): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    for (const rule of rules.filter((candidate) => candidate.appliesTo(file.path))) {
      for (const { specifier, typeOnly } of importsOf(file.source)) {
        const target = resolved(file.path, specifier);
        const breaks =
          target === null
            ? rule.packages.some((pattern) => pattern.test(specifier))
            : rule.folders.some((folder) => inFolder(target, folder)) ||
              (!typeOnly && (rule.typeOnlyFolders ?? []).some((f) => inFolder(target, f)));
        if (breaks) violations.push({ path: file.path, found: specifier, rule: rule.name });
      }
      const code = withoutComments(file.source);
      for (const token of rule.tokens ?? []) {
        const match = code.match(token);
        if (match) violations.push({ path: file.path, found: match[0], rule: rule.name });
      }
    }
  }
  return violations;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function workerSources(): SourceFile[] {
  return readdirSync(`${ROOT}worker`, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => {
      const path = `worker/${name.replaceAll("\\", "/")}`;
      return { path, source: readFileSync(`${ROOT}${path}`, "utf8") };
    });
}

describe("layering scanner", () => {
  const file = (path: string, source: string): SourceFile => ({ path, source });

  it("refuses a domain file that imports Hono, drizzle or a layer above, or calls fetch", () => {
    const violations = layeringViolations([
      file("worker/domain/a.ts", 'import { Hono } from "hono";'),
      file("worker/domain/b.ts", 'import { sql } from "drizzle-orm";'),
      file("worker/domain/c.ts", 'import {\n  runBatch,\n  type Db,\n} from "../store/db.ts";'),
      file("worker/domain/d.ts", 'export { problemBody } from "../http/problem.ts";'),
      file("worker/domain/e.ts", 'const page = await fetch("https://example.com");'),
      file("worker/domain/f.ts", "export const read = (db: D1Database) => db;"),
      file("worker/domain/g.ts", 'import { tables } from "../../schema/tables.ts";'),
      file("worker/domain/h.ts", 'const flows = await import("../flows/users.ts");'),
    ]);
    expect(violations.map(({ path, found }) => `${path} ${found}`)).toEqual([
      "worker/domain/a.ts hono",
      "worker/domain/b.ts drizzle-orm",
      "worker/domain/c.ts ../store/db.ts",
      "worker/domain/d.ts ../http/problem.ts",
      "worker/domain/e.ts fetch(",
      "worker/domain/f.ts D1Database",
      "worker/domain/g.ts ../../schema/tables.ts",
      "worker/domain/h.ts ../flows/users.ts",
    ]);
  });

  it("refuses store and flows importing HTTP, and banking importing a flow", () => {
    const violations = layeringViolations([
      file("worker/store/a.ts", 'import type { Context } from "hono";'),
      file("worker/store/b.ts", 'import { applyChange } from "../flows/contract-changes.ts";'),
      file("worker/flows/c.ts", 'import { problemResponse } from "../http/problem.ts";'),
      file("worker/flows/d.ts", 'import { HTTPException } from "hono/http-exception";'),
      file(
        "worker/banking/finapi/e.ts",
        'import { pollPendingForms } from "../../flows/finapi.ts";',
      ),
    ]);
    expect(violations.map(({ path, found }) => `${path} ${found}`)).toEqual([
      "worker/store/a.ts hono",
      "worker/store/b.ts ../flows/contract-changes.ts",
      "worker/flows/c.ts ../http/problem.ts",
      "worker/flows/d.ts hono/http-exception",
      "worker/banking/finapi/e.ts ../../flows/finapi.ts",
    ]);
  });

  it("accepts the imports each layer may make, and mentions in comments", () => {
    expect(
      layeringViolations([
        file("worker/domain/a.ts", 'import { addDays } from "./calendar.ts";'),
        file("worker/domain/b.ts", 'import type { UserRole } from "../../schema/backoffice.ts";'),
        file(
          "worker/domain/c.ts",
          'import type { Cents } from "../../widget/src/billing-types.ts";',
        ),
        file("worker/domain/d.ts", "// callers fetch() the page and pass it in\nexport {};"),
        file("worker/flows/e.ts", 'import { runBatch } from "../store/db.ts";'),
        file("worker/flows/f.ts", 'import { bankProvider } from "../banking/providers.ts";'),
        file("worker/banking/g.ts", 'import { findSettings } from "../store/finapi.ts";'),
        file("worker/routes/h.ts", 'import { Hono } from "hono";'),
      ]),
    ).toEqual([]);
  });
});

describe("worker layering", () => {
  it("holds for every file under worker/", () => {
    const sources = workerSources();
    expect(sources.length).toBeGreaterThan(100);
    expect(layeringViolations(sources)).toEqual([]);
  });
});
