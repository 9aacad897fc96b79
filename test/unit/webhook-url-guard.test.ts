// SSRF guard: every spelling of a loopback, private, link-local, metadata or otherwise non-public
// address is refused; public https URLs pass and come back normalised.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkWebhookUrl,
  parseIpv4,
  parseIpv6,
  WEBHOOK_URL_MAX_LENGTH,
} from "../../worker/domain/webhook-url-guard.ts";

const prod = { allowLocalhost: false };
const dev = { allowLocalhost: true };

function codeOf(url: string, options = prod): string {
  const result = checkWebhookUrl(url, options);
  return result.ok ? "ok" : result.code;
}

describe("checkWebhookUrl: accepted URLs", () => {
  it("accepts public https URLs and returns the normalised form", () => {
    expect(checkWebhookUrl("https://example.com/hooks", prod)).toEqual({
      ok: true,
      url: "https://example.com/hooks",
    });
    expect(checkWebhookUrl("HTTPS://Example.COM:443/a?b=1", prod)).toEqual({
      ok: true,
      url: "https://example.com/a?b=1",
    });
    expect(checkWebhookUrl("  https://example.com  ", prod)).toEqual({
      ok: true,
      url: "https://example.com/",
    });
    expect(checkWebhookUrl("https://example.com:8443/x", prod)).toEqual({
      ok: true,
      url: "https://example.com:8443/x",
    });
    expect(checkWebhookUrl("https://example.com./x", prod)).toEqual({
      ok: true,
      url: "https://example.com./x",
    });
  });

  it("drops the fragment, which is never sent", () => {
    expect(checkWebhookUrl("https://example.com/x#frag", prod)).toEqual({
      ok: true,
      url: "https://example.com/x",
    });
  });

  it("accepts internationalised names in punycode form", () => {
    expect(checkWebhookUrl("https://bücher.example/", prod)).toEqual({
      ok: true,
      url: "https://xn--bcher-kva.example/",
    });
  });

  it("accepts public IP literals", () => {
    expect(checkWebhookUrl("https://8.8.8.8/", prod)).toEqual({
      ok: true,
      url: "https://8.8.8.8/",
    });
    expect(checkWebhookUrl("https://134744072/", prod)).toEqual({
      ok: true,
      url: "https://8.8.8.8/",
    });
    expect(checkWebhookUrl("https://[2606:4700:4700::1111]/", prod)).toEqual({
      ok: true,
      url: "https://[2606:4700:4700::1111]/",
    });
    expect(codeOf("https://[64:ff9b::8.8.8.8]/")).toBe("ok");
    expect(codeOf("https://[2002:808:808::1]/")).toBe("ok");
  });

  it("accepts names that merely contain 'localhost' or 'internal' as a label elsewhere", () => {
    expect(codeOf("https://localhost.example.com/")).toBe("ok");
    expect(codeOf("https://internal.example.com/")).toBe("ok");
    expect(codeOf("https://mylocal/")).toBe("internal_hostname");
  });
});

describe("checkWebhookUrl: scheme, credentials, length, syntax", () => {
  it("requires https", () => {
    for (const url of [
      "http://example.com/",
      "ftp://example.com/",
      "ws://example.com/",
      "javascript:alert(1)",
      "file:///etc/passwd",
      "data:text/plain,x",
    ]) {
      expect(codeOf(url), url).toBe("not_https");
    }
  });

  it("rejects invalid URLs", () => {
    for (const url of [
      "",
      "example.com",
      "/relative",
      "https://",
      "https://exa mple.com/",
      "https://a..b/",
      "https://127.0.0.1../",
      "https://09.0.0.1/",
      "https://1.2.3.4.5/",
      "https://256.0.0.1/",
      "https://0x100000000/",
      "https://[fe80::1%25eth0]/",
      "https://[::1::2]/",
      "https://[1:2:3:4:5:6:7:8:9]/",
      "https://example.123/",
    ]) {
      expect(codeOf(url), url).toBe("invalid_url");
    }
    expect(codeOf(42 as unknown as string)).toBe("invalid_url");
  });

  it("rejects tabs, newlines and control characters the URL parser would silently remove", () => {
    for (const url of [
      "https://exa\tmple.com/",
      "https://exa\nmple.com/",
      "https://example.com/a\rb",
      "https://example.com/\u0000",
      "https://example.com/a\u00a0b",
      "https://example.com/a\u0085b",
    ]) {
      expect(codeOf(url), JSON.stringify(url)).toBe("invalid_url");
    }
  });

  it("rejects credentials in the URL", () => {
    expect(codeOf("https://user:pass@example.com/")).toBe("credentials_in_url");
    expect(codeOf("https://user@example.com/")).toBe("credentials_in_url");
    expect(codeOf("https://:pass@example.com/")).toBe("credentials_in_url");
  });

  it("rejects URLs longer than 2048 characters, before and after normalisation", () => {
    const base = "https://example.com/";
    expect(codeOf(base + "a".repeat(WEBHOOK_URL_MAX_LENGTH - base.length))).toBe("ok");
    expect(codeOf(base + "a".repeat(WEBHOOK_URL_MAX_LENGTH - base.length + 1))).toBe("too_long");
    // Each "é" becomes "%C3%A9" when serialised: short input, long stored URL.
    expect(codeOf(base + "é".repeat(1000))).toBe("too_long");
  });

  it("gives a stable code and a message naming the problem", () => {
    expect(checkWebhookUrl("https://169.254.169.254/latest/meta-data/", prod)).toEqual({
      ok: false,
      code: "private_address",
      message: "the host 169.254.169.254 is the cloud metadata address",
    });
    expect(checkWebhookUrl("http://example.com", prod)).toEqual({
      ok: false,
      code: "not_https",
      message: "the URL must use https",
    });
  });
});

describe("checkWebhookUrl: private IPv4 in every spelling", () => {
  const cases: Array<[string, string]> = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["2130706433", "decimal integer"],
    ["0x7f000001", "hex integer"],
    ["0X7F000001", "uppercase hex"],
    ["0x7f.0.0.1", "hex first octet"],
    ["0x7f.0x0.0x0.0x1", "all hex"],
    ["0177.0.0.1", "octal first octet"],
    ["0177.0000.0000.0001", "all octal, padded"],
    ["017700000001", "octal integer"],
    ["127.1", "short form a.d"],
    ["127.0.1", "short form a.b.d"],
    ["127.0.0.1.", "trailing dot"],
    ["%31%32%37.0.0.1", "percent-encoded"],
    ["１２７.０.０.１", "fullwidth digits"],
    ["10.0.0.1", "10/8"],
    ["10.1", "10/8 short"],
    ["167772161", "10/8 decimal"],
    ["172.16.0.1", "172.16/12 start"],
    ["172.31.255.255", "172.16/12 end"],
    ["192.168.1.1", "192.168/16"],
    ["0xc0a80101", "192.168/16 hex"],
    ["169.254.169.254", "cloud metadata"],
    ["2852039166", "cloud metadata decimal"],
    ["0xa9.0xfe.0xa9.0xfe", "cloud metadata hex"],
    ["0251.0376.0251.0376", "cloud metadata octal"],
    ["169.254.43518", "cloud metadata short"],
    ["169.254.0.1", "link-local"],
    ["100.64.0.1", "CGNAT"],
    ["100.127.255.254", "CGNAT end"],
    ["100.100.100.200", "Alibaba metadata (CGNAT)"],
    ["0.0.0.0", "this network"],
    ["0", "zero integer"],
    ["0x", "empty hex"],
    ["0.1.2.3", "0/8"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast SSDP"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["4294967295", "broadcast integer"],
    ["192.0.0.192", "Oracle metadata (IETF protocol assignments)"],
    ["192.0.2.1", "TEST-NET-1"],
    ["198.18.0.1", "benchmarking"],
    ["198.51.100.7", "TEST-NET-2"],
    ["203.0.113.9", "TEST-NET-3"],
  ];
  for (const [host, label] of cases) {
    it(`rejects ${host} (${label})`, () => {
      expect(codeOf(`https://${host}/`)).toBe("private_address");
      expect(codeOf(`https://${host}:8443/path`)).toBe("private_address");
    });
  }

  it("does not treat neighbours of the private ranges as private", () => {
    for (const host of [
      "9.255.255.255",
      "11.0.0.0",
      "172.15.255.255",
      "172.32.0.0",
      "192.167.255.255",
      "192.169.0.0",
      "100.63.255.255",
      "100.128.0.0",
      "169.253.255.255",
      "169.255.0.0",
      "126.255.255.255",
      "128.0.0.0",
      "223.255.255.255",
      "1.0.0.0",
    ]) {
      expect(codeOf(`https://${host}/`), host).toBe("ok");
    }
  });
});

describe("checkWebhookUrl: non-public IPv6", () => {
  const cases = [
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[0000:0000:0000:0000:0000:0000:0000:0001]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::FFFF:7F00:1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[::ffff:8.8.8.8]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "[::ffff:0:127.0.0.1]",
    "[::127.0.0.1]",
    "[::7f00:1]",
    "[::10.0.0.1]",
    "[64:ff9b::127.0.0.1]",
    "[64:ff9b::a00:1]",
    "[64:ff9b::169.254.169.254]",
    "[64:ff9b:1::8.8.8.8]",
    "[2002:7f00:1::]",
    "[2002:c0a8:101::1]",
    "[fc00::1]",
    "[fd00:ec2::254]",
    "[FDFF:FFFF::1]",
    "[fe80::1]",
    "[FE80::abcd]",
    "[febf::1]",
    "[fec0::1]",
    "[ff02::1]",
    "[ff05::1:3]",
    "[2001:db8::1]",
    "[2001::1]",
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
    "[3fff::1]",
    "[100::1]",
  ];
  for (const host of cases) {
    it(`rejects ${host}`, () => {
      expect(codeOf(`https://${host}/`)).toBe("private_address");
    });
  }
});

describe("checkWebhookUrl: internal host names", () => {
  const cases = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "ⓛocalhost",
    "api.localhost",
    "metadata.google.internal",
    "METADATA.GOOGLE.INTERNAL.",
    "instance-data.ec2.internal",
    "host.docker.internal",
    "printer.local",
    "router.localdomain",
    "nas.home.arpa",
    "metadata",
    "intranet",
  ];
  for (const host of cases) {
    it(`rejects ${host}`, () => {
      expect(codeOf(`https://${host}/`)).toBe("internal_hostname");
    });
  }
});

describe("checkWebhookUrl: allowLocalhost (development)", () => {
  it("allows http and https to localhost and loopback addresses only when enabled", () => {
    for (const url of [
      "http://localhost:8787/hooks",
      "https://localhost/",
      "http://api.localhost/",
      "http://127.0.0.1:9000/",
      "http://127.1/",
      "http://2130706433/",
      "http://[::1]:8080/",
    ]) {
      expect(codeOf(url, dev), url).toBe("ok");
      expect(codeOf(url, prod), url).not.toBe("ok");
    }
    expect(checkWebhookUrl("http://2130706433:9000/x", dev)).toEqual({
      ok: true,
      url: "http://127.0.0.1:9000/x",
    });
  });

  it("still rejects other private addresses and plain http elsewhere", () => {
    for (const url of [
      "http://10.0.0.1/",
      "https://192.168.0.1/",
      "https://169.254.169.254/",
      "https://[::ffff:127.0.0.1]/",
      "https://metadata.google.internal/",
      "https://[fe80::1]/",
    ]) {
      expect(codeOf(url, dev), url).not.toBe("ok");
    }
    expect(codeOf("http://example.com/", dev)).toBe("not_https");
  });
});

// --- property tests over the whole IPv4 space --------------------------------------------------

const PRIVATE_RANGES: Array<[string, number]> = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function toInt(dottedQuad: string): number {
  return dottedQuad.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function isInPrivateRange(address: number): boolean {
  return PRIVATE_RANGES.some(([base, prefix]) => {
    const size = 2 ** (32 - prefix);
    return address >= toInt(base) && address < toInt(base) + size;
  });
}

const privateAddress = fc
  .constantFrom(...PRIVATE_RANGES)
  .chain(([base, prefix]) =>
    fc.integer({ min: toInt(base), max: toInt(base) + 2 ** (32 - prefix) - 1 }),
  );

type Radix = "dec" | "hex" | "HEX" | "oct";

function writeNumber(value: number, radix: Radix): string {
  if (radix === "hex") return `0x${value.toString(16)}`;
  if (radix === "HEX") return `0X${value.toString(16).toUpperCase()}`;
  if (radix === "oct") return `0${value.toString(8)}`;
  return value.toString(10);
}

/** The address as `parts` numbers, the last one filling the remaining bytes (WHATWG short forms). */
function writeAddress(address: number, parts: 1 | 2 | 3 | 4, radixes: readonly Radix[]): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  const leading = octets.slice(0, parts - 1);
  const rest = octets.slice(parts - 1).reduce((sum, octet) => sum * 256 + octet, 0);
  return [...leading, rest]
    .map((value, index) => writeNumber(value, radixes[index] ?? "dec"))
    .join(".");
}

const spelling = fc.record({
  parts: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
  radixes: fc.array(fc.constantFrom<Radix>("dec", "hex", "HEX", "oct"), {
    minLength: 4,
    maxLength: 4,
  }),
  trailingDot: fc.boolean(),
});

describe("property: private IPv4 addresses are rejected in every spelling", () => {
  it("decimal, hex, octal, dotted, short and mixed forms", () => {
    fc.assert(
      fc.property(privateAddress, spelling, (address, { parts, radixes, trailingDot }) => {
        const host = writeAddress(address, parts, radixes) + (trailingDot ? "." : "");
        expect(codeOf(`https://${host}/`)).toBe("private_address");
        // Our own parser agrees with the WHATWG parser on the value.
        expect(parseIpv4(host.replace(/\.$/, ""))).toBe(address);
      }),
      { numRuns: 2000 },
    );
  });

  it("as IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6", () => {
    fc.assert(
      fc.property(
        privateAddress,
        fc.constantFrom("::ffff:", "::", "64:ff9b::", "::ffff:0:"),
        (address, prefix) => {
          const hi = Math.floor(address / 65536).toString(16);
          const lo = (address % 65536).toString(16);
          expect(codeOf(`https://[${prefix}${hi}:${lo}]/`)).toBe("private_address");
          expect(codeOf(`https://[2002:${hi}:${lo}::1]/`)).toBe("private_address");
        },
      ),
      { numRuns: 500 },
    );
  });

  it("public addresses pass in every spelling and normalise to dotted decimal", () => {
    const publicAddress = fc
      .integer({ min: 0, max: 2 ** 32 - 1 })
      .filter((address) => !isInPrivateRange(address));
    fc.assert(
      fc.property(publicAddress, spelling, (address, { parts, radixes }) => {
        const dotted = writeAddress(address, 4, ["dec", "dec", "dec", "dec"]);
        expect(checkWebhookUrl(`https://${writeAddress(address, parts, radixes)}/`, prod)).toEqual({
          ok: true,
          url: `https://${dotted}/`,
        });
      }),
      { numRuns: 1000 },
    );
  });
});

describe("parseIpv6", () => {
  it("expands every textual form to eight groups", () => {
    expect(parseIpv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6("FE80::1")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6("1:2:3:4:5:6:7::")).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
  });

  it("rejects malformed forms", () => {
    for (const text of [
      "",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "::ffff:1.2.3",
      "::ffff:01.2.3.4",
      "::256.0.0.1",
      "g::1",
      "1.2.3.4",
    ]) {
      expect(parseIpv6(text), text).toBeNull();
    }
  });
});
