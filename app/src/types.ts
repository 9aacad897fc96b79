// The merchant-API resources the back office shows, taken from the generated client
// (clients/typescript, made from the OpenAPI document by `npm run generate:client`), so a
// resource that changes shape in the API fails the back office's type check instead of its users.
import type { paths } from "../../clients/typescript/src/schema.js";

export type { ChangePoint } from "../../widget/src/billing-types.js";

/** The JSON body of an operation's successful answer. */
type Answer<
  P extends keyof paths,
  M extends "get" | "post" | "put" | "patch",
> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { "application/json": infer T } } }
    ? T
    : R extends { 201: { content: { "application/json": infer T } } }
      ? T
      : never
  : never;

/** The JSON body an operation takes. */
type Body<P extends keyof paths, M extends "post" | "put" | "patch"> = paths[P][M] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;

/** One element of a list answer (`{ data: [...] }`). */
type Element<T> = T extends { data: (infer E)[] } ? E : never;

export type Article = Answer<"/api/v1/articles/{id}", "get">;
export type TemplateGroup = Answer<"/api/v1/template-groups/{id}", "get">;
export type ContractTemplate = Answer<"/api/v1/contract-templates/{id}", "get">;
export type Customer = Answer<"/api/v1/customers/{id}", "get">;
export type Contract = Answer<"/api/v1/contracts/{id}", "get">;
export type ContractItem = Contract["items"][number];
export type ContractChange = Element<Answer<"/api/v1/contracts/{id}/changes", "get">>;
export type Invoice = Answer<"/api/v1/invoices/{id}", "get">;
export type InvoiceListEntry = Element<Answer<"/api/v1/invoices", "get">>;
export type BankTransaction = Answer<"/api/v1/bank-transactions/{id}", "get">;
export type BankConnection = Answer<"/api/v1/finapi/bank-connections/{id}", "get">;
export type Address = NonNullable<Customer["billingAddress"]>;
export type DunningStep = NonNullable<Invoice["dunningHistory"]>[number];
export type CompanySettings = Answer<"/api/v1/settings/company", "get">;
export type LogoType = NonNullable<Body<"/api/v1/settings/company", "put">["logo"]>["contentType"];
export type DunningSettings = Answer<"/api/v1/settings/dunning", "get">;
export type EmailKind = keyof Answer<"/api/v1/settings/emails", "get">["kinds"];
