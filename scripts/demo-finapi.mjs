// The fake finAPI of `npm run dev` (test/fakes/finapi/server.ts on port 8788) and the demo
// merchant's connection to it, made through the merchant API like a real merchant would:
// settings with the fake's base URL, the finAPI user, one bank connection whose web form the
// fake's test hook completes (the fake then calls Tarif's callback), and a first sync.
// The fake keeps its state in memory, so each start is a fresh finAPI: a stored finAPI user the
// fake does not know is removed and a new one connected. Running it again changes nothing else.
import { spawn } from "node:child_process";

export const FAKE_FINAPI_PORT = Number(process.env.FAKE_FINAPI_PORT ?? 8788);
export const FAKE_FINAPI_URL = `http://localhost:${FAKE_FINAPI_PORT}`;
/** The fake's default client (test/fakes/finapi/runtime.ts DEFAULT_CLIENT); development only. */
const FAKE_CLIENT = { clientId: "tarif-fake-client", clientSecret: "tarif-fake-secret" };

/** Starts the fake in its own process group, so `kill(signal)` ends npx, tsx and node together. */
export function startFakeFinapi(port = FAKE_FINAPI_PORT) {
  const child = spawn("npx", ["tsx", "test/fakes/finapi/server.ts", "--port", String(port)], {
    stdio: "inherit",
    detached: true,
  });
  return {
    kill(signal = "SIGTERM") {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

export async function waitForFakeFinapi(url = FAKE_FINAPI_URL) {
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      if ((await fetch(`${url}/__fake/state`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the fake finAPI did not answer on ${url} within 30 s`);
}

export async function connectDemoFinapi(baseUrl, apiKey, fakeUrl = FAKE_FINAPI_URL) {
  const api = async (method, path, body, allowed = []) => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = await response.json();
    if (!response.ok && !allowed.includes(response.status))
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(payload)}`);
    return response.ok ? payload : null;
  };
  const fake = async (path, body) => {
    const response = await fetch(
      `${fakeUrl}${path}`,
      body === undefined
        ? {}
        : {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          },
    );
    if (!response.ok)
      throw new Error(`fake finAPI ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };

  const state = await fake("/__fake/state");
  const wanted = {
    clientId: state.clientId ?? FAKE_CLIENT.clientId,
    clientSecret: FAKE_CLIENT.clientSecret,
    baseUrl: fakeUrl,
    webFormBaseUrl: fakeUrl,
  };
  let settings = await api("PUT", "/finapi/settings", wanted, [409]);
  if (!settings) {
    // The stored user belongs to another finAPI (another port): let it go, as a merchant would.
    await api("DELETE", "/finapi/user");
    settings = await api("PUT", "/finapi/settings", wanted);
  }
  let user = settings.user;
  if (user && !state.users.some((known) => known.id === user.id)) {
    await api("DELETE", "/finapi/user");
    user = null;
  }
  user ??= await api("POST", "/finapi/user", {});

  const connections = (await api("GET", "/finapi/bank-connections?limit=100")).data;
  let connection = connections.find((c) => c.status === "active");
  if (!connection) {
    const started = await api("POST", "/finapi/bank-connections", { name: "Demo Girokonto" });
    // What the merchant would do in the browser at started.url; the fake then POSTs the callback.
    await fake(`/__fake/web-forms/${started.webFormId}/complete`, { status: "COMPLETED" });
    connection = await api("GET", `/finapi/bank-connections/${started.id}`);
    const accountId = connection.accounts[0]?.id;
    if (accountId !== undefined) {
      await fake("/__fake/returned-debits", {
        accountId,
        originalAmountCents: 2990,
        endToEndReference: "NOTPROVIDED",
        reasonCode: "AM04",
      });
    }
  }
  const sync = await api("POST", "/reconciliation/runs", {});
  return { user, connection, sync };
}
