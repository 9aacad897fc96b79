// Serves the fake finAPI on a local port with node:http, so `npm run dev` and end-to-end tests
// can use it over the network: `npx tsx test/fakes/finapi/server.ts --port 8788`.
// A tiny adapter turns Node's request/response into `app.fetch` (no @hono/node-server here).
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createFakeFinapi } from "./app.ts";
import type { FakeFinapi, FakeFinapiOptions } from "./app.ts";

/** Bodies above this are refused, so a runaway client cannot exhaust memory. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<Uint8Array | undefined> {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function toRequest(
  request: IncomingMessage,
  body: Uint8Array | undefined,
  origin: string,
): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  // The Host header keeps web form URLs on whatever name the caller used (localhost, 127.0.0.1, …).
  const base = request.headers.host ? `http://${request.headers.host}` : origin;
  return new Request(new URL(request.url ?? "/", base), { method: request.method, headers, body });
}

async function writeResponse(response: Response, out: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  out.writeHead(response.status, headers);
  out.end(Buffer.from(await response.arrayBuffer()));
}

/** Starts the fake on `port` (0 = any free port) and resolves once it listens. */
export async function startFakeFinapiServer(
  port: number,
  options: FakeFinapiOptions = {},
  host = "127.0.0.1",
): Promise<{ server: Server; fake: FakeFinapi; url: string; close: () => Promise<void> }> {
  let origin = `http://localhost:${port}`;
  // Without a fixed webFormBaseUrl, form URLs use the request's origin, i.e. this server.
  const fake = createFakeFinapi(options);
  const server = createServer((request, out) => {
    readBody(request)
      .then((body) => fake.app.fetch(toRequest(request, body, origin)))
      .then((response) => writeResponse(response, out))
      .catch((error: unknown) => {
        out.writeHead(
          error instanceof Error && error.message === "request body too large" ? 413 : 500,
          { "Content-Type": "text/plain" },
        );
        out.end(error instanceof Error ? error.message : "error");
      });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  if (address && typeof address === "object") origin = `http://localhost:${address.port}`;
  return {
    server,
    fake,
    url: origin,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8788" },
      host: { type: "string", default: "127.0.0.1" },
      "seed-transactions": { type: "string", default: "20" },
      "strict-callbacks": { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  const { url, fake } = await startFakeFinapiServer(
    port,
    {
      webFormBaseUrl: `http://localhost:${port}`,
      // Tarif runs on http://localhost in development; the real finAPI only calls HTTPS.
      allowHttpCallbacks: !values["strict-callbacks"],
      initialTransactionsPerAccount: Number(values["seed-transactions"]),
    },
    values.host,
  );
  console.log(`fake finAPI listening on ${url}
  client_id=${fake.control.clientId} client_secret=${fake.control.clientSecret}
  Access API: ${url}/api/v2   Web Form 2.0: ${url}/api/webForms   test hooks: ${url}/__fake/state`);
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
