import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterEach, describe, expect, it } from "vitest";
import { environRange, isCredentialName } from "../../src/engine/secret-env.js";

const run = promisify(execFile);
const SECRET_ENV = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "src",
  "engine",
  "secret-env.ts",
);

// Runs in its own process (its initial environment is what /proc shows), then reports.
const SCRIPT = `
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadSecrets } from ${JSON.stringify(SECRET_ENV)};
const before = readFileSync("/proc/self/environ", "latin1");
const loaded = loadSecrets();
const after = readFileSync("/proc/self/environ", "latin1");
const child = execFileSync("sh", ["-c", "env; cat /proc/$PPID/environ | tr '\\\\0' '\\\\n'"]).toString();
console.log(JSON.stringify({
  names: [...loaded.values.keys()].sort(),
  token: loaded.values.get("GITHUB_TOKEN"),
  wiped: loaded.environWiped,
  before, after, child,
  inEnv: process.env.GITHUB_TOKEN ?? null,
  kept: process.env.PLANWRIGHT_TEST_KEPT ?? null,
}));
`;

let scratch: string | undefined;
afterEach(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe("isCredentialName", () => {
  it("recognises tokens, keys, Action inputs and the runner's own tokens", () => {
    for (const name of [
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "ANTHROPIC_API_KEY",
      "INPUT_GITHUB-TOKEN",
      "INPUT_ANTHROPIC-API-KEY",
      "INPUT_TOKEN",
      "ACTIONS_RUNTIME_TOKEN",
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "ACTIONS_ID_TOKEN_REQUEST_URL",
      "NPM_TOKEN",
      "DB_PASSWORD",
    ]) {
      expect(isCredentialName(name), name).toBe(true);
    }
    for (const name of ["PATH", "HOME", "GITHUB_REPOSITORY", "INPUT_MODEL", "GITHUB_SHA", "CI"]) {
      expect(isCredentialName(name), name).toBe(false);
    }
  });
});

describe("environRange", () => {
  it("reads env_start and env_end even when the command name holds spaces and parentheses", () => {
    const tail = Array.from({ length: 49 }, (_, i) => String(i + 3));
    tail[50 - 3] = "140000000000100";
    tail[51 - 3] = "140000000000900";
    const stat = `1234 (we (ird) name) ${tail.join(" ")}`;
    expect(environRange(stat)).toEqual({ start: 140000000000100, end: 140000000000900 });
    expect(() => environRange("1 (x) S 0")).toThrow(/no environment range/);
  });
});

describe("loadSecrets", () => {
  it.runIf(process.platform === "linux")(
    "takes credentials out of process.env and out of /proc/self/environ; children see neither",
    async () => {
      scratch = await mkdtemp(join(tmpdir(), "planwright-secrets-"));
      const bundle = join(scratch, "probe.mjs");
      await writeFile(join(scratch, "probe.src.mjs"), SCRIPT);
      await build({
        entryPoints: [join(scratch, "probe.src.mjs")],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: bundle,
        logLevel: "silent",
      });
      const token = `ghs_${randomBytes(16).toString("hex")}`;
      const key = `sk-ant-${randomBytes(16).toString("hex")}`;
      const { stdout } = await run(process.execPath, [bundle], {
        env: {
          PATH: process.env.PATH,
          GITHUB_TOKEN: token,
          "INPUT_GITHUB-TOKEN": token,
          ANTHROPIC_API_KEY: key,
          PLANWRIGHT_TEST_KEPT: "kept",
        },
      });
      const out = JSON.parse(stdout) as Record<string, string | boolean | string[] | null>;
      expect(out.names).toEqual(["ANTHROPIC_API_KEY", "GITHUB_TOKEN", "INPUT_GITHUB-TOKEN"]);
      expect(out.token).toBe(token);
      expect(out.wiped).toBe(true);
      expect(out.before).toContain(token);
      expect(out.after).not.toContain(token);
      expect(out.after).not.toContain(key);
      expect(out.after).toContain("PLANWRIGHT_TEST_KEPT=kept");
      expect(out.child).not.toContain(token);
      expect(out.child).not.toContain(key);
      expect(out.child).toContain("PLANWRIGHT_TEST_KEPT=kept");
      expect(out.inEnv).toBeNull();
      expect(out.kept).toBe("kept");
    },
  );
});
