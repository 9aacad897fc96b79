// Starts a throw-away local Worker for the HTTP benchmarks: fresh D1 persistence in a temp dir,
// migrations, the demo merchant and its seeded data, `wrangler dev` on a free loopback port;
// stop() kills the whole process tree (npx → wrangler → workerd) and removes the temp dir.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The parts of scripts/demo-data.mjs (untyped JavaScript) that the benchmarks use. */
export interface DemoData {
  groupId: string;
  tariffs: Record<string, { id: string }>;
  addons: Record<string, { id: string }>;
  contracts: { id: string; customerId: string; templateId: string; invoiceId?: string }[];
}

interface DemoDataModule {
  DEMO_API_KEY: string;
  demoMerchantSql(): string;
  seedDemoData(baseUrl: string, apiKey?: string): Promise<DemoData>;
}

export interface LocalWorker {
  baseUrl: string;
  apiKey: string;
  demo: DemoData;
  /** Kills wrangler and workerd (the whole process group) and deletes the persistence dir. */
  stop(): Promise<void>;
}

const PROJECT_ROOT = new URL("../../", import.meta.url).pathname;
const SETUP_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 90_000;
const OUTPUT_TAIL_CHARS = 16_000;

const wranglerEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  CI: "1",
  WRANGLER_SEND_METRICS: "false",
  NO_COLOR: "1",
});

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** Keeps the last few KB of a child's output for error messages (and drains the pipes). */
function tail(child: ChildProcess): () => string {
  let text = "";
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return () => text;
}

/** `npx wrangler …` to completion, in its own process group so a timeout can kill all of it. */
function wranglerOnce(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["wrangler", ...args], {
      cwd: PROJECT_ROOT,
      env: wranglerEnv(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = tail(child);
    const timer = setTimeout(() => {
      killGroup(child, "SIGKILL");
      reject(
        new Error(`wrangler ${args.join(" ")} timed out after ${SETUP_TIMEOUT_MS} ms\n${output()}`),
      );
    }, SETUP_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(new Error(`wrangler ${args.join(" ")} exited with ${code ?? signal}\n${output()}`));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForHealth(
  baseUrl: string,
  server: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(
        `wrangler dev exited with ${server.exitCode ?? server.signalCode} before /health answered\n${output()}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(
    `wrangler dev did not answer /health within ${HEALTH_TIMEOUT_MS} ms\n${output()}`,
  );
}

/** Throwaway keys for a local run (secrets in production): encryption and lookup hashes. */
const LOCAL_SECRETS = {
  ENCRYPTION_KEY: "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=",
  LOOKUP_HASH_KEY: "YmVuY2gtb25seS1sb29rdXAtaGFzaC1rZXktMzJieXQ=",
};

/** Worker vars for the run: production by default (no test clock, no /demo). */
export async function startLocalWorker(
  vars: Record<string, string> = { ENVIRONMENT: "production" },
): Promise<LocalWorker> {
  // A variable specifier: the .mjs has no type declarations, DemoDataModule describes it.
  const demoDataUrl = new URL("../../scripts/demo-data.mjs", import.meta.url).href;
  const demoData = (await import(demoDataUrl)) as DemoDataModule;

  const persistTo = mkdtempSync(join(tmpdir(), "tarif-bench-"));
  let server: ChildProcess | undefined;
  let stopped = false;

  const stopSync = () => {
    if (server) killGroup(server, "SIGKILL");
    rmSync(persistTo, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopSync();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", stopSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stopSync);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    const pid = server?.pid;
    if (server && pid !== undefined) {
      killGroup(server, "SIGTERM");
      for (let waited = 0; waited < 5_000 && groupAlive(pid); waited += 100) await sleep(100);
      if (groupAlive(pid)) killGroup(server, "SIGKILL");
      for (let waited = 0; waited < 2_000 && groupAlive(pid); waited += 100) await sleep(100);
    }
    rmSync(persistTo, { recursive: true, force: true });
  };

  try {
    await wranglerOnce(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
    const sqlFile = join(persistTo, "demo-merchant.sql");
    writeFileSync(sqlFile, demoData.demoMerchantSql());
    await wranglerOnce([
      "d1",
      "execute",
      "DB",
      "--local",
      "--persist-to",
      persistTo,
      "--file",
      sqlFile,
      "--yes",
    ]);

    const [port, inspectorPort] = [await freePort(), await freePort()];
    const baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(
      "npx",
      [
        "wrangler",
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        persistTo,
        ...Object.entries({ ...LOCAL_SECRETS, ...vars }).flatMap(([name, value]) => [
          "--var",
          `${name}:${value}`,
        ]),
        "--log-level",
        "warn",
        "--show-interactive-dev-session=false",
      ],
      { cwd: PROJECT_ROOT, env: wranglerEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    const output = tail(server);
    await waitForHealth(baseUrl, server, output);
    const demo = await demoData.seedDemoData(baseUrl, demoData.DEMO_API_KEY);
    return { baseUrl, apiKey: demoData.DEMO_API_KEY, demo, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
