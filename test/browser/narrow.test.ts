// The widget on a 375 px phone: the invoices are a list that fits the width — every invoice's
// number, amount and status visible without horizontal scrolling.
import { afterEach, expect, test } from "vitest";
import { page, userEvent } from "vitest/browser";
import { cleanup, installFakePortal, invoice, mount, shadow, waitFor } from "./fixtures.js";

afterEach(async () => {
  cleanup();
  await page.viewport(1280, 800);
});

test("at 375 px the invoices are listed within the width", async () => {
  await page.viewport(375, 700);
  document.body.style.margin = "0";
  installFakePortal({
    "GET /portal/v1/invoices": () => ({
      body: {
        data: [
          invoice(2),
          invoice(1, { kind: "credit_note", status: "partially_paid", grossAmount: -123456 }),
        ],
        nextCursor: null,
      },
    }),
  });
  const element = await mount();
  await userEvent.click(page.getByRole("button", { name: "Rechnungen" }));
  const rows = await waitFor(() => {
    const found = shadow(element).querySelectorAll<HTMLElement>("[part~=invoice]");
    return found.length === 2 && [...found];
  });
  const width = document.documentElement.clientWidth;
  expect(width).toBe(375);
  expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(width);
  for (const row of rows) {
    for (const cell of row.querySelectorAll<HTMLElement>("th, td")) {
      const box = cell.getBoundingClientRect();
      expect(box.width).toBeGreaterThan(0);
      expect(box.right).toBeLessThanOrEqual(width);
    }
    // Each cell names what it is (the header row is not shown as columns here).
    expect(row.querySelector("td")!.dataset.label).toBeTruthy();
  }
  const wrap = shadow(element).querySelector<HTMLElement>(".table-wrap")!;
  expect(wrap.scrollWidth).toBeLessThanOrEqual(wrap.clientWidth);
});
