// The merchant-API resources the back office shows, as far as it reads them. The billing
// vocabulary (intervals, statuses, invoice kinds, change points) is widget/src/billing-types.ts's.
import type {
  BillingInterval,
  ChangePoint,
  ContractStatus,
  InvoiceKind,
} from "../../widget/src/billing-types.js";

export type { ChangePoint } from "../../widget/src/billing-types.js";

export interface Article {
  id: string;
  kind: "plan" | "addon" | "one_time";
  name: string;
  unitAmount: number;
  currency: string;
  taxRate: number;
}

export interface TemplateGroup {
  id: string;
  name: string;
}

export interface ContractTemplate {
  id: string;
  name: string;
  templateGroupId: string;
  planArticleId: string;
  billingInterval: BillingInterval;
  minimumTermMonths: number;
  noticePeriodDays: number;
  allowedAddonArticleIds: string[];
  changePoints: ChangePoint[];
  downgradeTiming: "next_period" | "like_upgrade";
}

export interface Customer {
  id: string;
  name: string;
  email: string | null;
  externalRef: string | null;
  iban: string | null;
  kind?: "consumer" | "business";
  billingAddress?: Address | null;
  vatId?: string | null;
  buyerReference?: string | null;
}

export interface ContractItem {
  id: string;
  articleId: string;
  kind: string;
  name: string;
  quantity: number;
  unitAmount: number;
  periodAmount: number;
  startedOn: string;
}

export interface Contract {
  id: string;
  customerId: string;
  templateId: string;
  status: ContractStatus;
  startDate: string;
  billingInterval: BillingInterval;
  currentPeriod: { start: string; end: string };
  nextBillingDate: string;
  endDate: string | null;
  offeredTemplateIds: string[];
  recurringNetAmount: number;
  currency?: string;
  items: ContractItem[];
}

export interface ContractChange {
  id: string;
  status: string;
  kind?: string;
  type?: string;
  effectiveDate: string;
  createdAt?: string;
}

export interface InvoiceLine {
  description: string;
  quantity: number;
  netAmount: number;
  taxRate: number;
}

export interface Invoice {
  id: string;
  number: string | null;
  kind: InvoiceKind;
  status: string;
  customerId: string;
  contractId: string | null;
  issueDate: string;
  dueDate: string;
  currency: string;
  netAmount: number;
  taxAmount: number;
  grossAmount: number;
  amountPaid: number;
  lines?: InvoiceLine[];
  payments?: { id: string; date: string; amount: number; rule: string; reversed: boolean }[];
  returns?: { id: string; date: string; amount: number; reasonCode: string | null; fee: number }[];
  /** Where the stored PDF and XRechnung XML are (same-origin, the session cookie opens them). */
  documents?: { pdf: string; xml: string } | null;
  dunningLevel?: string | null;
  dunningHistory?: DunningStep[];
}

export interface Candidate {
  invoiceId: string;
  score: number;
  reasons: string[];
}

export interface BankTransaction {
  id: string;
  status: string;
  amount: number | null;
  currency: string | null;
  bookingDate: string | null;
  purpose: string | null;
  counterpartName: string | null;
  counterpartIban: string | null;
  matchedRule: string | null;
  statusReason: string | null;
  invoiceIds: string[];
  review: { reason: string; candidates: Candidate[] } | null;
}

export interface BankConnection {
  id: string;
  status: string;
  bankName: string | null;
  url: string | null;
  accounts: { id: number; iban: string | null; name: string | null }[];
  error: { code: string; message: string | null } | null;
  sync: {
    status: string;
    lastSyncAt: string | null;
    consecutiveFailures: number;
    error: { code: string; message: string | null } | null;
  };
}

export interface Address {
  line1: string;
  line2?: string | null;
  postalCode: string;
  city: string;
  country: string;
}

export interface DunningStep {
  level: string;
  reachedOn: string;
  fee: number;
  openAmount: number;
  interest: number;
  flatFee: number;
  total: number;
}
