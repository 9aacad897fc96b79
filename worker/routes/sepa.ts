// SEPA direct debit for the merchant API: creditor settings, customer mandates and collection
// runs with their pain.008 files.
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

export const sepaRouter = new Hono<AppEnv>();
