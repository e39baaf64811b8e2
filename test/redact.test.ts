import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor, redact, redactDeep, REDACTED } from "../src/redact.js";

const alnum = (n: number, seed = "aB3") => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);

const TOKENS: [string, string][] = [
  ["GitHub personal token", `ghp_${alnum(36)}`],
  ["GitHub OAuth token", `gho_${alnum(36)}`],
  ["GitHub user-to-server token", `ghu_${alnum(36)}`],
  ["GitHub installation token", `ghs_${alnum(36)}`],
  ["GitHub refresh token", `ghr_${alnum(76)}`],
  ["GitHub fine-grained token", `github_pat_11ABCDEFG0${alnum(12)}_${alnum(59)}`],
  ["Anthropic key", `sk-ant-api03-${alnum(80)}-${alnum(6)}AA`],
  ["AWS access key id", "AKIAIOSFODNN7EXAMPLE"],
  ["AWS temporary key id", "ASIAY34FZKBOKMUTVV7A"],
  ["Slack bot token", "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"],
  ["Slack user token", "xoxp-1234567890-1234567890-1234567890123-abcdef0123456789"],
  ["JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"],
];

describe("redact (default patterns)", () => {
  it.each(TOKENS)("redacts a %s in running text", (_name, token) => {
    const out = redact(`before ${token} after`);
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it("redacts a private key block, terminated or not", () => {
    const block =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\nAAAA\n-----END OPENSSH PRIVATE KEY-----";
    expect(redact(`key:\n${block}\ndone`)).toBe(`key:\n${REDACTED}\ndone`);
    expect(redact("x -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nrest")).toBe(`x ${REDACTED}`);
    expect(redact("-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----")).toBe(REDACTED);
  });

  it("keeps the scheme of Authorization headers", () => {
    expect(redact("Authorization: Bearer abc.def-123")).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('curl -H "authorization: token 0123456789abcdef"')).toBe(
      `curl -H "authorization: token ${REDACTED}"`,
    );
    expect(redact("Authorization: Basic dXNlcjpwYXNz")).toBe(`Authorization: Basic ${REDACTED}`);
    expect(redact("x-api-key: something-secret")).toBe(`x-api-key: ${REDACTED}`);
  });

  it("drops passwords from URLs and keeps the rest", () => {
    expect(redact("fatal: unable to access 'https://deploy:hunter2secret@git.example.com/repo.git/'")).toBe(
      `fatal: unable to access 'https://deploy:${REDACTED}@git.example.com/repo.git/'`,
    );
    expect(redact("see https://example.com/a:b@c and mailto:x@y.z")).toBe(
      "see https://example.com/a:b@c and mailto:x@y.z",
    );
  });

  it("leaves ordinary text, short words and look-alikes alone", () => {
    const text =
      "ghp_short, sk-ant, AKIA123, eyJ only, bearer of news, a git sha 3f786850e387550fdab836ed7e6dc881de23001b";
    expect(redact(text)).toBe(text);
    expect(redact("")).toBe("");
  });
});

describe("createRedactor with known secrets", () => {
  const secret = "s3cr3t/value+with=chars?";
  const r = createRedactor([secret, undefined, "", "abc"]);

  it("redacts the value and its base64 and URL-encoded forms", () => {
    const b64 = Buffer.from(secret).toString("base64");
    const b64url = b64.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    expect(r(`raw ${secret} end`)).toBe(`raw ${REDACTED} end`);
    expect(r(`b64 ${b64} end`)).toBe(`b64 ${REDACTED} end`);
    expect(r(`b64url ${b64url} end`)).toBe(`b64url ${REDACTED} end`);
    expect(r(`url ?token=${encodeURIComponent(secret)}&x=1`)).toBe(`url ?token=${REDACTED}&x=1`);
  });

  it("ignores secrets too short to redact safely", () => {
    expect(r("abc is fine")).toBe("abc is fine");
  });

  it("still applies the default patterns", () => {
    expect(r(`ghs_${alnum(36)}`)).toBe(REDACTED);
  });

  it("redacts a secret that contains another one whole", () => {
    const both = createRedactor(["password", "password123456"]);
    expect(both("x password123456 y password z")).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it("treats regex metacharacters in secrets literally", () => {
    const meta = createRedactor(["a.b*c(d)"]);
    expect(meta("a.b*c(d) and aXbbbcd")).toBe(`${REDACTED} and aXbbbcd`);
  });
});

describe("redactDeep", () => {
  it("redacts every string in nested data and leaves other values", () => {
    const token = `ghp_${alnum(36)}`;
    const input = { a: [token, 1, null, { b: `x ${token}` }], c: true };
    expect(redactDeep(input)).toEqual({ a: [REDACTED, 1, null, { b: `x ${REDACTED}` }], c: true });
    expect(input.a[0]).toBe(token);
  });
});

describe("redaction properties", () => {
  const prose = fc.string({ unit: "grapheme-ascii", maxLength: 60 });

  it("never lets a known secret through, in any surrounding text or encoding", () => {
    const secret = fc
      .string({ unit: "grapheme-ascii", minLength: 6, maxLength: 40 })
      .filter((s) => s.trim() === s && !REDACTED.includes(s) && !s.includes(REDACTED));
    fc.assert(
      fc.property(
        secret,
        prose,
        prose,
        fc.constantFrom("raw", "base64", "url"),
        (value, before, after, form) => {
          const encoded =
            form === "base64"
              ? Buffer.from(value).toString("base64")
              : form === "url"
                ? encodeURIComponent(value)
                : value;
          const out = createRedactor([value])(`${before}${encoded}${after}`);
          expect(out).not.toContain(encoded);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("redacts generated GitHub tokens anywhere between word boundaries", () => {
    const token = fc
      .tuple(fc.constantFrom("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), fc.stringMatching(/^[A-Za-z0-9]{36}$/))
      .map(([prefix, body]) => prefix + body);
    fc.assert(
      fc.property(token, prose, prose, (value, before, after) => {
        expect(redact(`${before} ${value} ${after}`)).not.toContain(value);
      }),
      { numRuns: 300 },
    );
  });
});
