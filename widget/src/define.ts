// Registers <selfservice-portal>, guarded: a page that loads the widget twice (the script tag
// and an npm bundle, or a second copy) must not throw "name already used".
import { SelfservicePortal } from "./selfservice-portal.js";

export const TAG_NAME = "selfservice-portal";

// The literal (not TAG_NAME) lets the manifest analyzer see which tag the class defines.
if (!customElements.get("selfservice-portal"))
  customElements.define("selfservice-portal", SelfservicePortal);

declare global {
  interface HTMLElementTagNameMap {
    "selfservice-portal": SelfservicePortal;
  }
}
