// Public entry of the widget: importing it registers <selfservice-portal> and exposes the class,
// the typed portal client and every type of the portal API and of the events.
import "./define.js";

export { TAG_NAME } from "./define.js";
export { SelfservicePortal } from "./selfservice-portal.js";
export {
  PortalApiError,
  PortalClient,
  SessionExpiredError,
  newIdempotencyKey,
  type PortalClientOptions,
} from "./portal-client.js";
export type * from "./portal-api.js";
export type * from "./events.js";
export type { Locale } from "./format.js";
