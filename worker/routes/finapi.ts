// finAPI for the merchant API: credentials, the finAPI user, bank connections through the web
// form, and on-demand sync.
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

export const finapiRouter = new Hono<AppEnv>();
