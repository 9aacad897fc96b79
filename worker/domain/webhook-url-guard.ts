// SSRF guard for webhook endpoint URLs: only https URLs to public hosts, judged after WHATWG URL
// parsing and again by our own address parsers, so no spelling of a private address slips through.

export const WEBHOOK_URL_MAX_LENGTH = 2048;

export type WebhookUrlErrorCode =
  | "invalid_url"
  | "too_long"
  | "not_https"
  | "credentials_in_url"
  | "private_address"
  | "internal_hostname";

export type WebhookUrlCheck =
  { ok: true; url: string } | { ok: false; code: WebhookUrlErrorCode; message: string };

export interface WebhookUrlOptions {
  /** Development only: lets `http(s)://localhost`, `127.0.0.0/8` and `[::1]` through. */
  allowLocalhost: boolean;
}

/** What a host is: public, the local machine (allowed in development), or forbidden. */
type HostVerdict =
  | { kind: "public" }
  | { kind: "loopback"; code: "private_address" | "internal_hostname"; reason: string }
  | {
      kind: "blocked";
      code: "private_address" | "internal_hostname" | "invalid_url";
      reason: string;
    };

/** How an IP address may be used: public, loopback (development only) or never. */
export type AddressVerdict = { kind: "public" } | { kind: "loopback" | "blocked"; reason: string };

/** IANA special-purpose IPv4 blocks that must never be a webhook target. Order: most specific first. */
const IPV4_BLOCKED: ReadonlyArray<readonly [base: string, prefix: number, reason: string]> = [
  ["169.254.169.254", 32, "the cloud metadata address"],
  ["0.0.0.0", 8, "a 'this network' address"],
  ["10.0.0.0", 8, "a private address"],
  ["100.64.0.0", 10, "a carrier-grade NAT address"],
  ["169.254.0.0", 16, "a link-local address"],
  ["172.16.0.0", 12, "a private address"],
  ["192.0.0.0", 24, "an IETF protocol assignment"],
  ["192.0.2.0", 24, "a documentation address"],
  ["192.88.99.0", 24, "a 6to4 relay address"],
  ["192.168.0.0", 16, "a private address"],
  ["198.18.0.0", 15, "a benchmarking address"],
  ["198.51.100.0", 24, "a documentation address"],
  ["203.0.113.0", 24, "a documentation address"],
  ["224.0.0.0", 4, "a multicast address"],
  ["255.255.255.255", 32, "the broadcast address"],
  ["240.0.0.0", 4, "a reserved address"],
];

// Names that resolve only inside a network (RFC 6761, RFC 6762, RFC 8375, cloud-internal zones).
const INTERNAL_SUFFIXES = ["local", "internal", "localdomain", "home.arpa"];

/**
 * Checks a merchant-supplied endpoint URL. On success returns the normalised URL (WHATWG
 * serialisation, fragment dropped since it is never sent) that should be stored and called.
 */
export function checkWebhookUrl(url: string, options: WebhookUrlOptions): WebhookUrlCheck {
  if (typeof url !== "string") return fail("invalid_url", "the URL must be a string");
  const input = url.trim();
  if (input.length > WEBHOOK_URL_MAX_LENGTH) return tooLong();
  // The URL parser silently deletes tabs and newlines; refuse them so what is stored is what was typed.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u0020\u007f-\u00a0\s]/u.test(input)) {
    return fail("invalid_url", "the URL must not contain whitespace or control characters");
  }
  const parsed = parseUrl(input);
  if (!parsed) return fail("invalid_url", "the URL is not a valid absolute URL");
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return fail("not_https", "the URL must use https");
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return fail("credentials_in_url", "the URL must not contain a user name or password");
  }

  const host = classifyHost(parsed.hostname);
  const localAllowed = host.kind === "loopback" && options.allowLocalhost;
  if (host.kind !== "public" && !localAllowed) {
    return fail(host.code, `the host ${parsed.hostname} is ${host.reason}`);
  }
  if (parsed.protocol !== "https:" && !localAllowed)
    return fail("not_https", "the URL must use https");

  parsed.hash = "";
  return parsed.href.length > WEBHOOK_URL_MAX_LENGTH ? tooLong() : { ok: true, url: parsed.href };
}

function parseUrl(input: string): URL | null {
  try {
    return new URL(input);
  } catch {
    return null;
  }
}

function classifyHost(hostname: string): HostVerdict {
  const host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) return classifyIpv6Host(host.slice(1, -1));
  // One trailing dot is the fully-qualified spelling of the same name.
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  const labels = name.split(".");
  if (labels.some((label) => label === "")) return invalidHost("not a valid host name");
  if (endsInNumber(labels)) return classifyIpv4Host(name);
  return classifyDomain(name, labels);
}

function classifyDomain(name: string, labels: readonly string[]): HostVerdict {
  if (name === "localhost" || name.endsWith(".localhost")) {
    return { kind: "loopback", code: "internal_hostname", reason: "the local machine" };
  }
  if (INTERNAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))) {
    return { kind: "blocked", code: "internal_hostname", reason: "an internal host name" };
  }
  // Single-label names ("metadata", "intranet") resolve through local search domains, never publicly.
  if (labels.length < 2)
    return { kind: "blocked", code: "internal_hostname", reason: "not a public host name" };
  return { kind: "public" };
}

// --- IPv4 -------------------------------------------------------------------------------------

/** WHATWG's "ends in a number": such hosts are IPv4 addresses in some spelling, or invalid. */
function endsInNumber(labels: readonly string[]): boolean {
  const last = labels[labels.length - 1] ?? "";
  return /^\d+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

function classifyIpv4Host(name: string): HostVerdict {
  const address = parseIpv4(name);
  if (address === null) return invalidHost("not a valid IPv4 address");
  const verdict = classifyIpv4(address);
  if (verdict.kind === "public") return verdict;
  return { kind: verdict.kind, code: "private_address", reason: verdict.reason };
}

/**
 * The WHATWG IPv4 parser, repeated here so the verdict does not depend on which URL
 * implementation ran: 1–4 parts, each decimal, 0x-hex or 0-octal, the last filling the rest.
 */
export function parseIpv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length > 4) return null;
  const numbers = parts.map(parseIpv4Part);
  let address = 0;
  for (const [index, value] of numbers.entries()) {
    if (value === null) return null;
    const isLast = index === numbers.length - 1;
    const limit = isLast ? 256 ** (5 - numbers.length) : 256;
    if (value >= limit) return null;
    address += isLast ? value : value * 256 ** (3 - index);
  }
  return address;
}

function parseIpv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : boundedInteger(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return boundedInteger(part.slice(1), 8);
  if (/^(?:0|[1-9]\d*)$/.test(part)) return boundedInteger(part, 10);
  return null;
}

/** Parses without precision loss for the range that matters; anything beyond 2^32 is just "too big". */
function boundedInteger(digits: string, radix: number): number {
  const value = parseInt(digits, radix);
  return value > 2 ** 32 ? 2 ** 32 : value;
}

export function classifyIpv4(address: number): AddressVerdict {
  for (const [base, prefix, reason] of IPV4_BLOCKED) {
    if (inPrefix(address, dotted(base), prefix)) return { kind: "blocked", reason };
  }
  if (inPrefix(address, dotted("127.0.0.0"), 8))
    return { kind: "loopback", reason: "a loopback address" };
  return { kind: "public" };
}

function inPrefix(address: number, base: number, prefix: number): boolean {
  const shift = 32 - prefix;
  return Math.floor(address / 2 ** shift) === Math.floor(base / 2 ** shift);
}

function dotted(address: string): number {
  return address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

// --- IPv6 -------------------------------------------------------------------------------------

function classifyIpv6Host(text: string): HostVerdict {
  const groups = parseIpv6(text);
  if (!groups) return invalidHost("not a valid IPv6 address");
  const verdict = classifyIpv6(groups);
  if (verdict.kind === "public") return verdict;
  return { kind: verdict.kind, code: "private_address", reason: verdict.reason };
}

/** Eight 16-bit groups from any textual IPv6 form (compressed, uppercase, dotted IPv4 tail). */
export function parseIpv6(text: string): number[] | null {
  const expanded = expandDottedTail(text);
  if (expanded === null) return null;
  const halves = expanded.split("::");
  if (halves.length > 2) return null;
  const head = splitGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? splitGroups(halves[1] ?? "") : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
}

function splitGroups(text: string): number[] | null {
  if (text === "") return [];
  const groups = text.split(":");
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  return groups.map((group) => parseInt(group, 16));
}

/** `::ffff:1.2.3.4` → `::ffff:102:304`, accepting only strict dotted-decimal as RFC 4291 does. */
function expandDottedTail(text: string): string | null {
  const colon = text.lastIndexOf(":");
  const tail = text.slice(colon + 1);
  if (!tail.includes(".")) return text;
  const octets = tail.split(".");
  if (
    colon < 0 ||
    octets.length !== 4 ||
    !octets.every((o) => /^(?:0|[1-9]\d{0,2})$/.test(o) && Number(o) < 256)
  ) {
    return null;
  }
  const [a, b, c, d] = octets.map(Number) as [number, number, number, number];
  return `${text.slice(0, colon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

export function classifyIpv6(groups: readonly number[]): AddressVerdict {
  const g = (index: number) => groups[index] ?? 0;
  const zerosUpTo = (end: number) => groups.slice(0, end).every((group) => group === 0);
  const embeddedAt = (index: number) => g(index) * 65536 + g(index + 1);

  if (zerosUpTo(8)) return { kind: "blocked", reason: "the unspecified address" };
  if (zerosUpTo(7) && g(7) === 1) return { kind: "loopback", reason: "a loopback address" };
  if (zerosUpTo(5) && g(5) === 0xffff) return { kind: "blocked", reason: "an IPv4-mapped address" };
  if (zerosUpTo(4) && g(4) === 0xffff && g(5) === 0)
    return { kind: "blocked", reason: "an IPv4-translated address" };
  if (zerosUpTo(6)) return { kind: "blocked", reason: "an IPv4-compatible address" };
  if (g(0) === 0x64 && g(1) === 0xff9b && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0) {
    return embeddedIpv4Verdict(embeddedAt(6), "NAT64");
  }
  if (g(0) === 0x64 && g(1) === 0xff9b && g(2) === 1)
    return { kind: "blocked", reason: "a local-use NAT64 address" };
  if (g(0) === 0x2002) return embeddedIpv4Verdict(embeddedAt(1), "6to4");
  if (g(0) === 0x2001 && g(1) === 0x0db8)
    return { kind: "blocked", reason: "a documentation address" };
  if (g(0) === 0x2001 && g(1) < 0x0200)
    return { kind: "blocked", reason: "an IETF special-purpose address" };
  if (g(0) === 0x3fff && g(1) < 0x1000)
    return { kind: "blocked", reason: "a documentation address" };
  if ((g(0) & 0xe000) === 0x2000) return { kind: "public" };
  return { kind: "blocked", reason: nonGlobalIpv6Reason(g(0)) };
}

function embeddedIpv4Verdict(address: number, mechanism: string): AddressVerdict {
  const inner = classifyIpv4(address);
  return inner.kind === "public"
    ? inner
    : { kind: "blocked", reason: `a ${mechanism} form of ${inner.reason}` };
}

function nonGlobalIpv6Reason(first: number): string {
  if ((first & 0xfe00) === 0xfc00) return "a unique local address";
  if ((first & 0xffc0) === 0xfe80) return "a link-local address";
  if ((first & 0xffc0) === 0xfec0) return "a site-local address";
  if ((first & 0xff00) === 0xff00) return "a multicast address";
  return "a reserved address";
}

// --- results ----------------------------------------------------------------------------------

function invalidHost(reason: string): HostVerdict {
  return { kind: "blocked", code: "invalid_url", reason };
}

function tooLong(): WebhookUrlCheck {
  return fail("too_long", `the URL must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
}

function fail(code: WebhookUrlErrorCode, message: string): WebhookUrlCheck {
  return { ok: false, code, message };
}
