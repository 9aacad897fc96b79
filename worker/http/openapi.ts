// Route descriptions for the OpenAPI document: a short summary, a tag and the usual responses,
// so each route states what it does in one line. A success response names the valibot schema its
// resource function is typed by, so the document describes what the code really sends.
import { describeRoute, resolver } from "hono-openapi";
import * as v from "valibot";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": {} },
});

/** A list page: `{data, nextCursor}` of `item`. */
export const PageOf = <T extends v.GenericSchema>(item: T) =>
  v.object({ data: v.array(item), nextCursor: v.nullable(v.string()) });

export function doc(
  tag: string,
  summary: string,
  success: { status?: number; description?: string; schema?: v.GenericSchema } = {},
) {
  return describeRoute({
    tags: [tag],
    summary,
    security: [{ bearerAuth: [] }],
    responses: {
      [success.status ?? 200]: {
        description: success.description ?? "OK",
        content: {
          "application/json": success.schema ? { schema: resolver(success.schema) } : {},
        },
      },
      400: problem("Invalid request: the problem lists each bad field"),
      401: problem("Missing or invalid credentials"),
      404: problem("Not found (or owned by another merchant)"),
    },
  });
}
