// A real HTTP webhook receiver on loopback for the integration tests: it records every request
// per hook name and answers as the test told it to (status, Retry-After, delay, dropped
// connection). Tests running inside workerd steer it over HTTP at /__control.
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface ReceivedRequest {
  headers: Record<string, string>;
  body: string;
  status: number;
  /** Epoch milliseconds when the request arrived. */
  receivedAt: number;
}

export interface Behaviour {
  status?: number;
  retryAfter?: string;
  delayMs?: number;
  /** Close the connection without answering: the sender sees a network error. */
  drop?: boolean;
  body?: string;
}

interface Hook {
  /** Answers used one per request, then `fallback` for every later one. */
  queue: Behaviour[];
  fallback: Behaviour;
  received: ReceivedRequest[];
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });

export async function startWebhookReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const hooks = new Map<string, Hook>();
  const hook = (name: string) => {
    let found = hooks.get(name);
    if (!found) hooks.set(name, (found = { queue: [], fallback: { status: 200 }, received: [] }));
    return found;
  };
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://receiver");
    const [, area, name = "default"] = url.pathname.split("/");
    const body = await readBody(request);
    if (area === "__control") {
      const target = hook(name);
      if (request.method === "DELETE") hooks.delete(name);
      else if (request.method === "POST") {
        const { queue = [], fallback = { status: 200 } } = JSON.parse(body) as {
          queue?: Behaviour[];
          fallback?: Behaviour;
        };
        target.queue = queue;
        target.fallback = fallback;
      }
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(target.received));
      return;
    }
    const target = hook(name);
    const behaviour = target.queue.shift() ?? target.fallback;
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([key, value]) => [key, String(value)]),
    );
    target.received.push({
      headers,
      body,
      status: behaviour.drop ? 0 : (behaviour.status ?? 200),
      receivedAt: Date.now(),
    });
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.drop) {
      request.socket.destroy();
      return;
    }
    response.writeHead(behaviour.status ?? 200, {
      "content-type": "text/plain",
      ...(behaviour.retryAfter ? { "retry-after": behaviour.retryAfter } : {}),
    });
    response.end(behaviour.body ?? "ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("receiver did not get a port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
