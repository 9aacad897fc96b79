// The invoice list's PDF link: a real link to the stored PDF that, when clicked, fetches it
// with the session token (a plain link could not send it) and hands it to the browser.
import { afterEach, expect, test, vi } from "vitest";
import { page, userEvent } from "vitest/browser";
import { cleanup, installFakePortal, invoice, mount, shadow, waitFor } from "./fixtures.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

test("each invoice with a document has a PDF link that downloads it with the session token", async () => {
  const portal = installFakePortal({
    "GET /portal/v1/invoices": () => ({
      body: {
        data: [
          invoice(2, { pdfPath: "/portal/v1/invoices/inv_2/pdf" }),
          invoice(1, { number: "RE-2026-000009", pdfPath: null }),
        ],
        nextCursor: null,
      },
    }),
    "GET /portal/v1/invoices/inv_2/pdf": () => ({ body: { pdf: true } }),
  });
  const created: Blob[] = [];
  vi.spyOn(URL, "createObjectURL").mockImplementation((blob) => {
    created.push(blob as Blob);
    return "blob:invoice";
  });
  const clicked = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
  const element = await mount();
  await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
  await userEvent.click(page.getByRole("button", { name: "Rechnungen" }));
  await waitFor(() => shadow(element).querySelectorAll("[part~=invoice]").length === 2);

  const links = shadow(element).querySelectorAll<HTMLAnchorElement>("a[part~=download]");
  expect(links).toHaveLength(1);
  const link = links[0]!;
  expect(link.textContent?.trim()).toBe("PDF");
  expect(link.getAttribute("aria-label")).toBe("Rechnung RE-2027-000002 als PDF herunterladen");
  expect(link.getAttribute("href")).toMatch(/\/portal\/v1\/invoices\/inv_2\/pdf$/);
  expect(link.getAttribute("download")).toBe("RE-2027-000002.pdf");

  await userEvent.click(
    page.getByRole("link", { name: "Rechnung RE-2027-000002 als PDF herunterladen" }),
  );
  await waitFor(() => created.length === 1);
  const request = portal.calls("GET /portal/v1/invoices/inv_2/pdf")[0]!;
  expect(request.headers.get("authorization")).toBe("Bearer pst_valid");
  expect(request.headers.get("accept")).toBe("application/pdf");
  const saved = clicked.mock.contexts.at(-1) as HTMLAnchorElement;
  expect(saved.download).toBe("RE-2027-000002.pdf");
  expect(saved.href).toBe("blob:invoice");
});
