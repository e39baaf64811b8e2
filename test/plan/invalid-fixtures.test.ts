import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { PlanLimits } from "../../src/plan/limits.js";
import { loadPlan } from "../../src/plan/load-plan.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "plans");
const invalidDir = join(fixtures, "invalid");
const validDir = join(fixtures, "valid");

/** Fixtures whose rule is a limit use a small one, so the files stay small. */
function limitsFor(name: string): Partial<PlanLimits> {
  if (name.startsWith("too-many-")) return { maxTasks: 2 };
  if (name.startsWith("content-too-large")) return { maxContentBytes: 32 };
  return {};
}

interface Expectation {
  line: number;
  col: number;
  fragment: string;
}

function expectationsOf(text: string): Expectation[] {
  return [...text.matchAll(/^# expect: (\d+):(\d+) (.+)$/gm)].map((m) => ({
    line: Number(m[1]),
    col: Number(m[2]),
    fragment: m[3] ?? "",
  }));
}

const invalidFiles = readdirSync(invalidDir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

describe("invalid plan corpus", () => {
  it("has at least 35 fixtures, each with an expectation", () => {
    expect(invalidFiles.length).toBeGreaterThanOrEqual(35);
    for (const file of invalidFiles) {
      expect(expectationsOf(readFileSync(join(invalidDir, file), "utf8")), file).not.toHaveLength(0);
    }
  });

  it.each(invalidFiles)("%s reports each expected error at its position", (file) => {
    const text = readFileSync(join(invalidDir, file), "utf8");
    const result = loadPlan(text, { limits: limitsFor(file) });
    expect(result.plan).toBeUndefined();
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    for (const e of expectationsOf(text)) {
      const at = errors.filter((d) => d.line === e.line && d.col === e.col).map((d) => d.message);
      expect(
        at.some((m) => m.includes(e.fragment)),
        `${file}: expected "${e.fragment}" at ${e.line}:${e.col}; got ${JSON.stringify(
          errors.map((d) => `${d.line}:${d.col} ${d.message}`),
        )}`,
      ).toBe(true);
    }
  });

  it("reports the same errors for the file's bytes as for its text", () => {
    for (const file of invalidFiles) {
      const bytes = new Uint8Array(readFileSync(join(invalidDir, file)));
      const fromBytes = loadPlan(bytes, { limits: limitsFor(file) });
      const fromText = loadPlan(new TextDecoder().decode(bytes), { limits: limitsFor(file) });
      expect(fromBytes.diagnostics, file).toEqual(fromText.diagnostics);
    }
  });
});

describe("generated invalid inputs", () => {
  const small =
    "version: 1\nid: demo\ntitle: Demo\nrequest: demo\nphases:\n  - id: main\n    tasks:\n      - id: a\n        title: A\n        run: npm test\n";

  it("reports bytes that are not UTF-8 at the first bad byte", () => {
    const text = new TextEncoder().encode(small.replace("title: Demo", "title: Dé"));
    const bytes = new Uint8Array([...text]);
    const at = text.indexOf(0xc3);
    bytes[at] = 0xff;
    const result = loadPlan(bytes);
    expect(result.plan).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: "error",
        line: 3,
        col: 9,
        message: expect.stringContaining("not valid UTF-8"),
      }),
    ]);
  });

  it("reports a truncated multi-byte sequence at the end of the file", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("version: 1\n"), 0xe2, 0x82]);
    expect(loadPlan(bytes).diagnostics).toEqual([
      expect.objectContaining({ line: 2, col: 1, message: expect.stringContaining("not valid UTF-8") }),
    ]);
  });

  it("refuses a file over the size limit at 1:1, naming the limit", () => {
    const big = small + `summary: "${"x".repeat(2048)}"\n`;
    const result = loadPlan(big, { limits: { maxBytes: 1024 } });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        line: 1,
        col: 1,
        message: expect.stringContaining("over the limit of 1024 bytes"),
      }),
    ]);
    const bytes = loadPlan(new TextEncoder().encode(big), { limits: { maxBytes: 1024 } });
    expect(bytes.diagnostics).toEqual(result.diagnostics);
  });

  it("refuses the default 1 MiB limit without parsing", () => {
    const huge = small + "# " + "x".repeat(1024 * 1024) + "\n";
    const result = loadPlan(huge);
    expect(result.diagnostics[0]?.message).toContain("over the limit of 1048576 bytes");
  });

  it("refuses deep nesting with a clear error rather than a stack overflow", () => {
    for (const deep of ["summary: " + "[".repeat(50_000), "summary: " + "[".repeat(100) + "]".repeat(100)]) {
      const result = loadPlan(small + deep + "\n");
      expect(result.plan).toBeUndefined();
      const first = result.diagnostics[0];
      expect(first?.message).toMatch(/nested|YAML syntax error/);
      expect(result.diagnostics.length).toBeLessThanOrEqual(25);
    }
  });
});

describe("valid plans", () => {
  const validFiles = readdirSync(validDir).filter((f) => f.endsWith(".yaml"));

  it.each(validFiles)("%s loads with no errors", (file) => {
    const result = loadPlan(new Uint8Array(readFileSync(join(validDir, file))));
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.plan).toBeDefined();
  });

  it("loads the architecture example into the expected shape", () => {
    const result = loadPlan(readFileSync(join(validDir, "architecture-example.yaml"), "utf8"));
    const plan = result.plan;
    expect(plan?.id).toBe("42-add-2fa");
    expect(plan?.phases[0]?.mode).toBe("sequential");
    expect(plan?.phases[0]?.tasks.map((t) => t.id)).toEqual([
      "add-otp-lib",
      "totp-service",
      "docs",
      "drop-legacy",
    ]);
    expect(plan?.phases[0]?.tasks[1]?.needs).toEqual(["add-otp-lib"]);
  });
});
