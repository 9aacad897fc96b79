// Route descriptions for the OpenAPI document: a short summary, a tag and the usual responses,
// so each route states what it does in one line.
import { describeRoute } from "hono-openapi";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": {} },
});

export function doc(
  tag: string,
  summary: string,
  success: { status?: number; description?: string } = {},
) {
  return describeRoute({
    tags: [tag],
    summary,
    security: [{ bearerAuth: [] }],
    responses: {
      [success.status ?? 200]: {
        description: success.description ?? "OK",
        content: { "application/json": {} },
      },
      400: problem("Invalid request: the problem lists each bad field"),
      401: problem("Missing or invalid credentials"),
      404: problem("Not found (or owned by another merchant)"),
    },
  });
}
