/**
 * Secrets the process holds never reach GitHub-bound text in any of the forms tools print them,
 * and token formats the process does not know are still recognised. Every case goes through the
 * surfaces that send text to GitHub (check-run output and annotations, status comments) and the
 * cassette recorder; a task that would commit a known secret is refused before its commit.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, planInput, type Fixture } from "../engine/executor-fixture.js";
import { annotationBatches, outputText } from "../../src/github/check-run-limits.js";
import {
  clearRegisteredSecrets,
  redact,
  redactDeep,
  registerEnvFileSecrets,
  REDACTED,
} from "../../src/redact.js";

const TOKEN = "ghs_" + "Qw7Er5Ty3Ui1Op9As2Df4Gh6Jk8Lz0Xc5Vb7Nm";
const ENV_NAME = "PLANWRIGHT_TEST_DEPLOY_TOKEN";
const PASSWORD = "correct-horse-battery-staple-42";

const b64 = (s: string, prefix = "") => Buffer.from(prefix + s).toString("base64");
const fold = (s: string, width: number, sep = "\n") => s.match(new RegExp(`.{1,${width}}`, "g"))!.join(sep);

/** Forms of the token a failing command might print, and how to check each left no trace. */
const FORMS: [string, string][] = [
  ["as is", TOKEN],
  ["base64", b64(TOKEN)],
  ["base64 inside a longer blob (offset 1)", b64(TOKEN, "x")],
  ["base64 inside a longer blob (offset 2)", b64(TOKEN, "xy")],
  ["base64url", b64(TOKEN).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")],
  ["hex", Buffer.from(TOKEN).toString("hex")],
  ["upper-case hex", Buffer.from(TOKEN).toString("hex").toUpperCase()],
  ["URL-encoded", encodeURIComponent(`${TOKEN}/x`)],
  ["fully percent-encoded", [...Buffer.from(TOKEN)].map((b) => `%${b.toString(16).toUpperCase()}`).join("")],
  ["split across lines", fold(TOKEN, 10)],
  ["split with CRLF", fold(TOKEN, 7, "\r\n")],
  ["base64 wrapped at 20 columns", fold(b64(TOKEN), 20)],
  ["with zero-width spaces", [...TOKEN].join("\u200b")],
  ["with soft hyphens and a BOM", TOKEN.slice(0, 9) + "\u00ad\ufeff" + TOKEN.slice(9)],
];

/** Token formats redacted without knowing the value. */
const PATTERNS: [string, string][] = [
  ["npm token", "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"],
  ["Stripe live key", "sk_live_" + "51H8abcDEF0123456789ghijKLMN"],
  ["Stripe restricted key", "rk_live_" + "51H8abcDEF0123456789ghij"],
  ["Google API key", "AIza" + "SyA-1234567890abcdefghijklmnopqrstu"],
  ["GitLab token", "glpat-" + "xXyYzZ0123456789abcd"],
  ["AWS secret key after its name", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
  ["AWS secret key alone", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
  ["JWT", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhcHAifQ.c2lnbmF0dXJlLXBhcnQ"],
  ["PEM with CRLF", "-----BEGIN RSA PRIVATE KEY-----\r\nMIIEpAIBAAKCAQEA\r\n-----END RSA PRIVATE KEY-----"],
];

let fx: Fixture | undefined;
beforeEach(() => {
  process.env[ENV_NAME] = TOKEN;
});
afterEach(async () => {
  delete process.env[ENV_NAME];
  clearRegisteredSecrets();
  await fx?.repo.cleanup();
  fx = undefined;
});

/** The text as each GitHub-bound surface would send it. */
function surfaces(text: string): string[] {
  return [
    outputText(`verify failed:\n${text}\n`),
    ...annotationBatches([
      { path: `src/${text}.ts`, startLine: 1, endLine: 1, level: "failure", message: text },
    ])
      .flat()
      .flatMap((a) => [a.message, a.path]),
    JSON.stringify(redactDeep({ request: { messages: [{ content: text }] } })),
  ];
}

function leaks(sent: string, secret: string): boolean {
  const squeezed = sent.replace(/[\s\u00ad\u200b\ufeff]/g, "");
  return squeezed.includes(secret) || squeezed.includes(b64(secret).slice(4, 30));
}

describe("known secrets in every form", () => {
  it.each(FORMS)("redacts the token %s on every surface", (_name, form) => {
    for (const sent of surfaces(`before ${form} after`)) {
      expect(sent).toContain(REDACTED);
      expect(leaks(sent, TOKEN)).toBe(false);
      expect(sent).not.toContain(form.replace(/\s/g, "").slice(0, 16));
    }
  });

  it("knows the values of the repository's .env files", () => {
    registerEnvFileSecrets(`# db\nDB_PASSWORD="${PASSWORD}"\nexport API_URL=https://api.example.com\n`);
    expect(redact(`connect failed for ${PASSWORD}`)).toBe(`connect failed for ${REDACTED}`);
    expect(redact(`auth ${b64(PASSWORD)}`)).toBe(`auth ${REDACTED}`);
  });

  it("leaves ordinary output alone", () => {
    const text = "3 tests passed in 1.2s; commit 3f786850e387550fdab836ed7e6dc881de23001b";
    expect(redact(text)).toBe(text);
  });
});

describe("token formats the process does not know", () => {
  it.each(PATTERNS)("redacts a %s", (_name, token) => {
    for (const sent of surfaces(`x ${token} y`)) {
      expect(sent).toContain(REDACTED);
      expect(sent).not.toContain(token.split(/\s/).pop()!.slice(-20));
    }
  });
});

describe("a task that would commit a known secret", () => {
  const CASES: [string, Record<string, unknown>][] = [
    ["in a written file", { write: { path: "docs/token.md", content: `token: ${TOKEN}\n` } }],
    [
      "base64-encoded by a command",
      { run: `printf '%s' "$(printf '%s' '${TOKEN}' | base64)" > src/blob.txt` },
    ],
    ["in a file name", { run: `touch "src/${TOKEN}.txt"` }],
  ];

  it.each(CASES)("is refused %s, nothing pushed", async (_name, action) => {
    fx = await fixture(planInput([{ id: "p", title: "P", tasks: [{ id: "t", title: "T", ...action }] }]), {
      "src/a.ts": "a\n",
    });
    const before = await fx.repo.git("ls-remote", "origin", "refs/heads/main");
    const result = await fx.run({ push: { remote: "origin", branch: "main" } });
    expect(result.failureClass).toBe("policy");
    expect(result.message).toContain("would commit a secret value this process holds");
    expect(result.message).not.toContain(TOKEN);
    expect(await fx.repo.git("ls-remote", "origin", "refs/heads/main")).toBe(before);
  });
});
