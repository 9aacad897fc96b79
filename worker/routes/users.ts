// /api/v1/users: the people who may sign in to the merchant's back office, with their role.
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { createUser, removeUser, userResource } from "../flows/users.ts";
import { doc, PageOf } from "../http/openapi.ts";
import {
  IdParam,
  ListQuery,
  NewUserSchema,
  shaped,
  toPage,
  UserResource,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { listUsers } from "../store/users.ts";

export const usersRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc(
      "Back office",
      "Create a back-office user",
      { status: 201, schema: UserResource },
      { errors: [409] },
    ),
    valid("json", NewUserSchema),
    async (c) => {
      const user = await createUser(
        c.var.db,
        c.var.shards,
        c.get("merchant").id,
        c.req.valid("json"),
      );
      return c.json(shaped(UserResource)(userResource(user)), 201);
    },
  )
  .get(
    "/",
    doc("Back office", "List back-office users", { schema: PageOf(UserResource) }),
    valid("query", ListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await listUsers(c.var.db, c.get("merchant").id, { limit, cursor });
      return c.json(toPage(rows, limit, userResource));
    },
  )
  .delete(
    "/:id",
    doc(
      "Back office",
      "Remove a user and end their sessions",
      { status: 204 },
      { errors: [404, 422] },
    ),
    valid("param", IdParam("usr")),
    async (c) => {
      await removeUser(c.var.db, c.get("merchant").id, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
