/**
 * Records examples/cassettes/demo-2fa.jsonl, the cassette behind the offline demo: `planwright plan
 * "add 2FA"` and `planwright run` on a copy of examples/repo, through the real CLI, SDK and cassette
 * recorder, with the model played by the fake Messages API server answering scripted, realistic
 * turns. Run it again whenever examples/repo, the prompts or the tools change:
 *
 *     npx tsx scripts/record-demo-cassette.ts
 */
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/program.js";
import {
  startFakeMessagesServer,
  type FakeContentBlock,
  type FakeMessage,
} from "../test/llm/fake-messages-server.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CASSETTE = join(ROOT, "examples/cassettes/demo-2fa.jsonl");

const TOTP = `import { createHmac, randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const STEP_SECONDS = 30;
const DIGITS = 6;

/** A new random secret, base32-encoded as authenticator apps expect. */
export function generateSecret(bytes = 20): string {
  return base32Encode(randomBytes(bytes));
}

/** The code of \`secret\` at \`time\` (ms since the epoch), per RFC 6238 (HMAC-SHA1, 30 s, 6 digits). */
export function totp(secret: string, time = Date.now()): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / STEP_SECONDS)));
  const hmac = createHmac("sha1", base32Decode(secret)).update(message).digest();
  const offset = hmac[hmac.length - 1]! & 0x0f;
  const value = (hmac.readUInt32BE(offset) & 0x7fffffff) % 10 ** DIGITS;
  return String(value).padStart(DIGITS, "0");
}

/** Whether \`token\` is the code of \`secret\` now or one step before or after (clock drift). */
export function verifyToken(secret: string, token: string, time = Date.now()): boolean {
  if (!/^\\d{6}$/.test(token)) return false;
  return [-1, 0, 1].some((drift) => totp(secret, time + drift * STEP_SECONDS * 1000) === token);
}

function base32Encode(data: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, "").toUpperCase()) {
    const index = ALPHABET.indexOf(char);
    if (index === -1) throw new Error(\`invalid base32 character \${char}\`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
`;

const TOTP_TEST = `import { test } from "node:test";
import assert from "node:assert/strict";
import { generateSecret, totp, verifyToken } from "../../src/auth/totp.ts";

/** Base32 of the RFC 6238 test secret "12345678901234567890". */
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

test("totp matches the RFC 6238 test vectors", () => {
  assert.equal(totp(RFC_SECRET, 59_000), "287082");
  assert.equal(totp(RFC_SECRET, 1_111_111_109_000), "081804");
});

test("verifyToken accepts one step of drift and rejects older or malformed codes", () => {
  const now = 1_700_000_000_000;
  assert.equal(verifyToken(RFC_SECRET, totp(RFC_SECRET, now), now), true);
  assert.equal(verifyToken(RFC_SECRET, totp(RFC_SECRET, now - 30_000), now), true);
  assert.equal(verifyToken(RFC_SECRET, totp(RFC_SECRET, now - 120_000), now), false);
  assert.equal(verifyToken(RFC_SECRET, "12345", now), false);
});

test("generateSecret makes distinct base32 secrets", () => {
  const a = generateSecret();
  assert.match(a, /^[A-Z2-7]{32}$/);
  assert.notEqual(a, generateSecret());
});
`;

const OLD_LOGIN = `/** Checks a username and password; opens a session when they match. */
export function login(store: UserStore, username: string, password: string): LoginResult {
  const user = store.find(username);
  if (!user || !verifyPassword(password, user.passwordHash)) {
    return { ok: false, error: "invalid username or password" };
  }
  return { ok: true, token: createSession(username) };
}`;

const NEW_LOGIN = `/**
 * Checks a username and password, then the TOTP code when the user has two-factor authentication
 * on; opens a session when everything matches. Without a code such users get \`totp_required\`.
 */
export function login(store: UserStore, username: string, password: string, code?: string): LoginResult {
  const user = store.find(username);
  if (!user || !verifyPassword(password, user.passwordHash)) {
    return { ok: false, error: "invalid username or password" };
  }
  if (user.totpSecret !== undefined) {
    if (code === undefined) return { ok: false, error: "totp_required" };
    if (!verifyToken(user.totpSecret, code)) return { ok: false, error: "invalid code" };
  }
  return { ok: true, token: createSession(username) };
}`;

const LOGIN_TEST_ADDITION = `

test("login asks for the TOTP code when 2FA is on, and checks it", () => {
  const store = new UserStore();
  const secret = generateSecret();
  store.add({ username: "bob", passwordHash: hashPassword("pw"), totpSecret: secret });
  assert.deepEqual(login(store, "bob", "pw"), { ok: false, error: "totp_required" });
  assert.deepEqual(login(store, "bob", "pw", "000000" === totp(secret) ? "111111" : "000000"), {
    ok: false,
    error: "invalid code",
  });
  assert.equal(login(store, "bob", "pw", totp(secret)).ok, true);
});
`;

/** The planner's answer: what a good plan for "add 2FA" on the example repository looks like. */
const PLAN = {
  title: "Add two-factor authentication",
  summary:
    "Adds optional TOTP two-factor authentication (RFC 6238) to the login flow, without new dependencies.\n\n" +
    "- `src/auth/totp.ts` generates secrets and checks 6-digit codes with one step of clock drift.\n" +
    "- `login()` asks users who have 2FA on for their code (`totp_required`) and checks it.\n" +
    "- `docs/2fa.md` explains the flow.\n\nRisk: authentication code changes; every step is covered by tests.",
  risk: "high",
  budget: { max_usd: 2, max_minutes: 30, max_turns_per_task: 20 },
  policy: { paths: { allow: ["src/**", "test/**", "docs/**"] }, commands: { allow: ["npm test"] } },
  defaults: { verify: "npm test", timeout: "5m", retries: 1 },
  phases: [
    {
      id: "totp",
      title: "TOTP codes",
      mode: "sequential",
      tasks: [
        {
          id: "totp-service",
          title: "TOTP service",
          edit: {
            files: ["src/auth/totp.ts", "test/auth/totp.test.ts"],
            instructions:
              "Create src/auth/totp.ts with generateSecret(): string (base32, 20 random bytes),\n" +
              "totp(secret, time?): string (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and\n" +
              "verifyToken(secret, token, time?): boolean accepting one step of drift either side.\n" +
              "Use node:crypto only. Test the RFC 6238 vectors, drift and malformed codes.",
          },
        },
        {
          id: "login-step",
          title: "Ask for the code after the password",
          needs: ["totp-service"],
          edit: {
            files: ["src/auth/login.ts", "src/users/store.ts", "test/auth/login.test.ts"],
            instructions:
              "Give User an optional totpSecret. login() takes an optional code: users with a secret\n" +
              "get { ok: false, error: 'totp_required' } without one and 'invalid code' for a wrong one.\n" +
              "Add a test for the three cases.",
          },
        },
      ],
    },
    {
      id: "docs",
      title: "Documentation",
      mode: "sequential",
      tasks: [
        {
          id: "docs-2fa",
          title: "Document 2FA",
          needs: ["login-step"],
          write: {
            path: "docs/2fa.md",
            content:
              "# Two-factor authentication\n\nUsers with a TOTP secret log in with their password and then the\n" +
              "6-digit code of their authenticator app. `login()` answers `totp_required` until the code is sent.\n",
          },
          verify: false,
        },
      ],
    },
  ],
};

const use = (name: string, input: unknown): FakeContentBlock => ({ type: "tool_use", name, input });
const say = (text: string): FakeContentBlock => ({ type: "text", text });

const TURNS: FakeMessage[] = [
  { content: [use("submit_plan", PLAN)] },
  // totp-service
  {
    content: [
      say("I'll check the auth folder's conventions first."),
      use("list_files", { glob: "src/auth/**" }),
    ],
  },
  { content: [use("read_file", { path: "src/auth/password.ts" })] },
  {
    content: [
      say("Writing the TOTP module with node:crypto only."),
      use("write_file", { path: "src/auth/totp.ts", content: TOTP }),
    ],
  },
  { content: [use("write_file", { path: "test/auth/totp.test.ts", content: TOTP_TEST })] },
  {
    content: [
      use("finish", {
        summary:
          "Added src/auth/totp.ts (generateSecret, totp, verifyToken with one step of drift; RFC 6238 with node:crypto) and tests with the RFC vectors.",
      }),
    ],
  },
  // login-step
  {
    content: [
      use("read_file", { path: "src/auth/login.ts" }),
      use("read_file", { path: "test/auth/login.test.ts" }),
    ],
  },
  {
    content: [
      use("apply_edits", {
        path: "src/users/store.ts",
        edits: [
          {
            search: "  passwordHash: string;\n}",
            replace:
              "  passwordHash: string;\n  /** Base32 TOTP secret, when two-factor authentication is on. */\n  totpSecret?: string;\n}",
          },
        ],
      }),
      use("apply_edits", {
        path: "src/auth/login.ts",
        edits: [
          {
            search: 'import { createSession } from "./session.ts";',
            replace:
              'import { createSession } from "./session.ts";\nimport { verifyToken } from "./totp.ts";',
          },
          { search: OLD_LOGIN, replace: NEW_LOGIN },
        ],
      }),
    ],
  },
  {
    content: [
      use("apply_edits", {
        path: "test/auth/login.test.ts",
        edits: [
          {
            search: 'import { hashPassword } from "../../src/auth/password.ts";',
            replace:
              'import { hashPassword } from "../../src/auth/password.ts";\nimport { generateSecret, totp } from "../../src/auth/totp.ts";',
          },
          {
            search:
              '  assert.deepEqual(login(store, "ada", "wrong"), { ok: false, error: "invalid username or password" });\n});',
            replace:
              '  assert.deepEqual(login(store, "ada", "wrong"), { ok: false, error: "invalid username or password" });\n});' +
              LOGIN_TEST_ADDITION.trimEnd(),
          },
        ],
      }),
    ],
  },
  {
    content: [
      use("finish", {
        summary:
          "User has an optional totpSecret; login() takes an optional code and answers totp_required or invalid code for users with 2FA on. Added a test of the three cases.",
      }),
    ],
  },
];

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", args, {
    cwd,
    stdio: "ignore",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Demo",
      GIT_AUTHOR_EMAIL: "demo@example.com",
      GIT_COMMITTER_NAME: "Demo",
      GIT_COMMITTER_EMAIL: "demo@example.com",
    },
  });
}

/** Records the cassette; resolves to the CLI's combined output. */
export async function recordDemoCassette(cassette = CASSETTE): Promise<string> {
  await rm(cassette, { force: true });
  const dir = await mkdtemp(join(tmpdir(), "planwright-demo-"));
  const server = await startFakeMessagesServer();
  let output = "";
  try {
    const repo = join(dir, "repo");
    await cp(join(ROOT, "examples/repo"), repo, { recursive: true });
    git(repo, "init", "--quiet", "--initial-branch=main");
    git(repo, "add", "-A");
    git(repo, "commit", "--quiet", "-m", "acme-accounts");
    server.enqueue(...TURNS);
    const env: Record<string, string | undefined> = {
      ...process.env,
      ANTHROPIC_API_KEY: "sk-ant-demo-recording",
      ANTHROPIC_BASE_URL: server.url,
    };
    delete env["PLANWRIGHT_MODEL"];
    const io = {
      out: (t: string) => void (output += t),
      err: (t: string) => void (output += t),
      isTTY: false,
      env,
      cwd: dir,
    };
    const plan = await main(
      ["plan", "add 2FA", "--repo", "repo", "--out", "plan.yaml", "--record", cassette],
      io,
    );
    if (plan !== 0) throw new Error(`planwright plan failed:\n${output}`);
    const run = await main(["run", "plan.yaml", "--repo", "repo", "--record", cassette], io);
    if (run !== 0) throw new Error(`planwright run failed:\n${output}`);
    if (server.pending() !== 0) throw new Error(`${server.pending()} scripted turn(s) were not used`);
    output += `\n${(await readFile(cassette, "utf8")).trim().split("\n").length} exchanges recorded\n`;
    return output;
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(await recordDemoCassette());
}
