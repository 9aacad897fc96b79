// Tarif's Worker: assembles the Hono app (middleware, one router per resource, errors, OpenAPI)
// and exports the fetch, cron and queue handlers: the cron only enqueues, the queue works.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { openAPIRouteHandler } from "hono-openapi";
import { DomainError } from "./domain/errors.ts";
import type { AppEnv } from "./env.ts";
import { authorize, requireAdmin, requireMerchant } from "./http/auth.ts";
import { notFoundOrMethodNotAllowed, onError } from "./http/errors.ts";
import { idempotency } from "./http/idempotency.ts";
import { jsonBodiesOnly } from "./http/json-body.ts";
import { completeDocument } from "./http/openapi-document.ts";
import { DEAD_LETTER_QUEUE, recordDeadLetters } from "./jobs/dead-letters.ts";
import { consumeJobs, enqueueTick } from "./jobs/job-queue.ts";
import { adminRouter } from "./routes/admin.ts";
import { articlesRouter } from "./routes/articles.ts";
import { loginRouter, sessionRouter } from "./routes/auth.ts";
import { contractTemplatesRouter } from "./routes/contract-templates.ts";
import { contractChangesRouter } from "./routes/contract-changes.ts";
import { contractsRouter } from "./routes/contracts.ts";
import { customerCreditRouter } from "./routes/customer-credit.ts";
import { customersRouter } from "./routes/customers.ts";
import { demoRouter } from "./routes/demo.ts";
import { docsRouter } from "./routes/docs.ts";
import { invoicesRouter } from "./routes/invoices.ts";
import { finapiCallbackRouter, finapiRouter } from "./routes/finapi.ts";
import { portalRouter } from "./routes/portal.ts";
import { reconciliationRouter } from "./routes/reconciliation.ts";
import { sepaRouter } from "./routes/sepa.ts";
import { portalSessionsRouter } from "./routes/portal-sessions.ts";
import { database } from "./store/db.ts";
import { dunningSettingsRouter } from "./routes/dunning-settings.ts";
import { emailSettingsRouter } from "./routes/email-settings.ts";
import { settingsRouter } from "./routes/settings.ts";
import { testClockRouter } from "./routes/test-clock.ts";
import { templateGroupsRouter } from "./routes/template-groups.ts";
import { usersRouter } from "./routes/users.ts";
import { webhookEndpointsRouter, webhookEventsRouter } from "./routes/webhooks.ts";

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Every request gets its database handle and its clock once: tests pin "now" with `x-test-now`;
 * any other environment always uses the real clock.
 */
const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const pinned = c.env.ENVIRONMENT === "test" ? c.req.header("x-test-now") : undefined;
  const now = pinned ? new Date(pinned) : new Date();
  if (Number.isNaN(now.getTime()))
    throw new DomainError("bad_request", "x-test-now must be an RFC 3339 instant.");
  c.set("now", now);
  c.set("db", database(c.env.DB));
  c.set("shards", c.env);
  await next();
});

const merchantApi = new Hono<AppEnv>()
  .use(requireMerchant, authorize, idempotency)
  .route("/auth", sessionRouter)
  .route("/users", usersRouter)
  .route("/articles", articlesRouter)
  .route("/template-groups", templateGroupsRouter)
  .route("/contract-templates", contractTemplatesRouter)
  .route("/customers", customersRouter)
  .route("/customers", customerCreditRouter)
  .route("/contracts", contractsRouter)
  .route("/contracts", contractChangesRouter)
  .route("/invoices", invoicesRouter)
  .route("/settings", settingsRouter)
  .route("/settings", emailSettingsRouter)
  .route("/settings", dunningSettingsRouter)
  .route("/portal-sessions", portalSessionsRouter)
  .route("/webhook-endpoints", webhookEndpointsRouter)
  .route("/webhook-events", webhookEventsRouter)
  .route("/test-clock", testClockRouter)
  .route("/", sepaRouter)
  .route("/", finapiRouter)
  .route("/", reconciliationRouter);

const app = new Hono<AppEnv>();
app.use(bodyLimit({ maxSize: MAX_BODY_BYTES }), requestContext);
for (const api of ["/admin/v1/*", "/api/v1/*", "/portal/v1/*"]) app.use(api, jsonBodiesOnly);
app.get("/health", (c) => c.json({ status: "ok" }));
app.route("/admin/v1", new Hono<AppEnv>().use(requireAdmin).route("/", adminRouter));
app.route("/api/v1/auth", loginRouter);
app.route("/api/v1", merchantApi);
app.route("/portal/v1", portalRouter);
app.route("/finapi", finapiCallbackRouter);
app.route("/demo", demoRouter);
const generatedDocument = openAPIRouteHandler(app, {
  documentation: {
    info: {
      title: "Tarif API",
      version: "1.0.0",
      description: "Subscription billing with self-service contract changes.",
    },
    components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } },
  },
  // finAPI's web-form callback is for finAPI alone (its secret URL authenticates it).
  exclude: [/^\/finapi\//],
});
app.get("/openapi.json", async (c, next) => {
  const generated = (await generatedDocument(c, next)) as Response;
  return c.json(completeDocument(await generated.json(), new URL(c.req.url).origin));
});
app.route("/docs", docsRouter);
app.notFound(notFoundOrMethodNotAllowed(app));
app.onError(onError);

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(
      enqueueTick(env, controller.cron, new Date(controller.scheduledTime)).then((messages) =>
        console.log("cron", controller.cron, "enqueued", messages.length),
      ),
    );
  },
  async queue(batch, env) {
    if (batch.queue === DEAD_LETTER_QUEUE) await recordDeadLetters(batch, env);
    else await consumeJobs(batch, env);
  },
} satisfies ExportedHandler<AppEnv["Bindings"]>;
