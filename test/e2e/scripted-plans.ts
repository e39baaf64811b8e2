/**
 * What the fake model answers in the end-to-end tests: a plan for "add 2FA" made of `write` tasks
 * (deterministic execution, no model turns), and its revision after review, which adds a docs phase.
 */
type Json = Record<string, unknown>;

const TOTP = [
  'import { createHmac, randomBytes } from "node:crypto";',
  "",
  "/** A new base32-free secret for an authenticator app. */",
  "export function generateSecret(): string {",
  '  return randomBytes(20).toString("hex");',
  "}",
  "",
  "/** The 6-digit code of `secret` for the 30-second window at `now`. */",
  "export function codeAt(secret: string, now = Date.now()): string {",
  "  const counter = Buffer.alloc(8);",
  "  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30_000)));",
  '  const mac = createHmac("sha1", Buffer.from(secret, "hex")).update(counter).digest();',
  "  const offset = (mac[mac.length - 1] ?? 0) & 0xf;",
  '  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");',
  "}",
  "",
].join("\n");

const LOGIN_2FA = [
  'import { codeAt } from "./totp.ts";',
  "",
  "/** Whether `code` is the current code of `secret`. */",
  "export function verifySecondFactor(secret: string, code: string): boolean {",
  "  return codeAt(secret) === code;",
  "}",
  "",
].join("\n");

export const CORE_PHASE: Json = {
  id: "core",
  title: "TOTP",
  mode: "sequential",
  tasks: [
    { id: "totp-service", title: "TOTP service", write: { path: "src/auth/totp.ts", content: TOTP } },
    {
      id: "login-step",
      title: "Second factor check",
      needs: ["totp-service"],
      write: { path: "src/auth/second-factor.ts", content: LOGIN_2FA },
    },
  ],
};

export const DOCS_PHASE: Json = {
  id: "docs",
  title: "Docs",
  mode: "sequential",
  tasks: [
    {
      id: "docs-2fa",
      title: "Document 2FA",
      write: { path: "docs/2fa.md", content: "# Two-factor authentication\n\nUse an authenticator app.\n" },
    },
  ],
};

/** submit_plan's input for "add 2FA". */
export const PLAN: Json = {
  title: "Add two-factor authentication",
  summary: "Adds TOTP codes to the login flow.",
  phases: [CORE_PHASE],
};

/** The revision after the reviewer asked for docs. */
export const REVISED: Json = { ...PLAN, phases: [CORE_PHASE, DOCS_PHASE] };

export const submitPlan = (input: unknown) => ({
  content: [{ type: "tool_use" as const, name: "submit_plan", input }],
});

export const submitRevision = (plan: unknown, notes: string) => ({
  content: [{ type: "tool_use" as const, name: "submit_revision", input: { plan, notes } }],
});

/** A plan of `count` independent write tasks (for request counting and load). */
export function manyTasks(count: number): Json {
  const tasks = Array.from({ length: count }, (_, i) => ({
    id: `task-${i + 1}`,
    title: `Write file ${i + 1}`,
    write: { path: `generated/file-${i + 1}.txt`, content: `file ${i + 1}\n` },
  }));
  return {
    title: `Write ${count} files`,
    summary: "Writes files.",
    defaults: { verify: "node --version" },
    phases: [{ id: "all", title: "All", mode: "sequential", tasks }],
  };
}
