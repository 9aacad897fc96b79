// /demo (development only): a merchant's "my account" page that embeds <selfservice-portal> for
// a demo customer. Its /demo/session endpoint plays the merchant's backend: it asks Tarif's
// merchant API for a portal session with the merchant's API key, exactly as a real shop would.
import { Hono } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env.ts";
import { DomainError, notFound } from "../domain/errors.ts";

const page = (customerRef: string) =>
  html`<!doctype html>
    <html lang="de">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Mein Konto – Stadtwerke Musterstadt</title>
        <style>
          :root {
            font-family: system-ui, sans-serif;
            color: #1f2933;
            background: #f5f7fa;
          }
          body {
            margin: 0;
          }
          header {
            background: #0b4f6c;
            color: white;
            padding: 1rem 2rem;
            display: flex;
            justify-content: space-between;
            align-items: center;
          }
          header nav a {
            color: #d9f0ff;
            margin-left: 1.5rem;
            text-decoration: none;
          }
          main {
            max-width: 960px;
            margin: 2rem auto;
            padding: 0 1rem;
          }
          footer {
            text-align: center;
            color: #4a5561;
            font-size: 0.85rem;
            padding: 2rem;
          }
          selfservice-portal {
            --ssp-color-primary: #0b4f6c;
            --ssp-radius: 10px;
            --ssp-font-family: system-ui, sans-serif;
            --ssp-max-width: none;
          }
        </style>
        <script type="module" src="/widget/selfservice-portal.js"></script>
      </head>
      <body>
        <header>
          <strong>Stadtwerke Musterstadt</strong>
          <nav aria-label="Hauptnavigation">
            <a href="#">Tarife</a><a href="#">Service</a
            ><a href="#" aria-current="page">Mein Konto</a>
          </nav>
        </header>
        <main>
          <h1>Mein Konto</h1>
          <p>Hier sehen Sie Ihre Verträge und Rechnungen und können Ihren Tarif selbst ändern.</p>
          <selfservice-portal id="portal" api-base="" locale="de"></selfservice-portal>
        </main>
        <footer>Demo-Seite von Tarif · nur in der Entwicklung</footer>
        <script type="module">
          const portal = document.getElementById("portal");
          portal.apiBase = location.origin;
          portal.fetchSession = async () => {
            const response = await fetch("/demo/session?customer=${customerRef}", {
              method: "POST",
            });
            if (!response.ok) throw new Error("no portal session");
            return (await response.json()).token;
          };
        </script>
      </body>
    </html>`;

const CUSTOMER_REF = /^[A-Za-z0-9_-]{1,50}$/;

export const demoRouter = new Hono<AppEnv>()
  .use(async (c, next) => {
    if (c.env.ENVIRONMENT !== "development" || !c.env.DEMO_API_KEY) throw notFound("Page");
    await next();
  })
  .get("/", (c) => {
    const customerRef = c.req.query("customer") ?? "demo-1";
    if (!CUSTOMER_REF.test(customerRef))
      throw new DomainError("validation_failed", "customer must be a demo customer's externalRef.");
    return c.html(page(customerRef));
  })
  .post("/session", async (c) => {
    const customerRef = c.req.query("customer") ?? "demo-1";
    if (!CUSTOMER_REF.test(customerRef))
      throw new DomainError("validation_failed", "customer must be a demo customer's externalRef.");
    const api = (path: string, init: RequestInit = {}) =>
      fetch(new URL(`/api/v1${path}`, c.req.url), {
        ...init,
        headers: {
          authorization: `Bearer ${c.env.DEMO_API_KEY}`,
          "content-type": "application/json",
        },
      });
    const customers = (await (await api(`/customers?externalRef=${customerRef}`)).json()) as {
      data: { id: string }[];
    };
    const customer = customers.data[0];
    if (!customer) throw notFound("Demo customer", customerRef);
    const session = await api("/portal-sessions", {
      method: "POST",
      body: JSON.stringify({
        customerId: customer.id,
        returnUrl: new URL("/demo", c.req.url).toString(),
      }),
    });
    return c.json(await session.json(), session.status as 201);
  });
