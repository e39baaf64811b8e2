import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CONFIG,
  formatConfigDiagnostic,
  parseConfig,
  requiredApprovals,
  validateConfigObject,
} from "../src/config.js";

const FILE = ".github/planwright.yml";

function problems(text: string): string[] {
  return parseConfig(text).diagnostics.map((d) => formatConfigDiagnostic(FILE, d));
}

const ARCHITECTURE_EXAMPLE = `model: claude-sonnet-4-6
who_can_command: write        # minimum permission for /plan, /rollback, …
approvals: { required: 1, by_risk: { high: 2, critical: 2 }, allow_requester: true }
execution: { auto_execute: true, workflow: planwright.yml, concurrency: 4, stop_on_error: true }
defaults:  { verify: npm test, timeout: 10m, retries: 2 }
policy:    { paths: { deny: [".github/workflows/**", "**/*.pem", ".env*"] }, commands: { allow: ["npm *"] } }
budget:    { max_usd: 5, max_minutes: 60, max_turns_per_task: 30 }
`;

describe("parseConfig", () => {
  it("reads the example from ARCHITECTURE.md without problems", () => {
    const { config, diagnostics } = parseConfig(ARCHITECTURE_EXAMPLE);
    expect(diagnostics).toEqual([]);
    expect(config).toEqual({
      model: "claude-sonnet-4-6",
      who_can_command: "write",
      approvals: { required: 1, by_risk: { high: 2, critical: 2 }, allow_requester: true },
      execution: {
        auto_execute: true,
        workflow: "planwright.yml",
        concurrency: 4,
        stop_on_error: true,
        allow_forks: false,
        sandbox_network: true,
      },
      defaults: { verify: "npm test", timeout: "10m", retries: 2 },
      policy: {
        paths: { deny: [".github/workflows/**", "**/*.pem", ".env*"] },
        commands: { allow: ["npm *"] },
      },
      budget: { max_usd: 5, max_minutes: 60, max_turns_per_task: 30 },
    });
  });

  it.each([
    ["a missing file", undefined],
    ["an empty file", ""],
    ["a file of comments and blank lines", "# nothing yet\n\n   # really\n"],
  ])("gives the defaults for %s", (_name, text) => {
    expect(parseConfig(text)).toEqual({ config: DEFAULT_CONFIG, diagnostics: [] });
  });

  it("has a default for every key", () => {
    expect(DEFAULT_CONFIG).toEqual({
      model: "claude-sonnet-4-6",
      who_can_command: "write",
      approvals: { required: 1, by_risk: { high: 2, critical: 2 }, allow_requester: true },
      execution: {
        auto_execute: true,
        workflow: "planwright.yml",
        concurrency: 4,
        stop_on_error: true,
        allow_forks: false,
        sandbox_network: true,
      },
      defaults: { timeout: "10m", retries: 2 },
      policy: {},
      budget: { max_usd: 5, max_minutes: 60, max_turns_per_task: 30 },
    });
  });

  it("fills defaults inside a partly written section", () => {
    const { config } = parseConfig("execution:\n  concurrency: 8\nbudget: { max_usd: 2 }\n");
    expect(config?.execution).toEqual({
      auto_execute: true,
      workflow: "planwright.yml",
      concurrency: 8,
      stop_on_error: true,
      allow_forks: false,
      sandbox_network: true,
    });
    expect(config?.budget).toEqual({ max_usd: 2, max_minutes: 60, max_turns_per_task: 30 });
  });

  it("never lets a high-risk plan need fewer approvals than `required` when by_risk is not written", () => {
    const { config } = parseConfig("approvals: { required: 3 }\n");
    expect(config?.approvals.by_risk).toEqual({ high: 3, critical: 3 });
    expect(requiredApprovals(config!.approvals, "low")).toBe(3);
    expect(requiredApprovals(config!.approvals, "critical")).toBe(3);
  });

  it("uses by_risk as written, falling back to required for unlisted levels", () => {
    const { config } = parseConfig("approvals: { required: 2, by_risk: { low: 1 } }\n");
    expect(requiredApprovals(config!.approvals, "low")).toBe(1);
    expect(requiredApprovals(config!.approvals, "medium")).toBe(2);
    expect(requiredApprovals(config!.approvals, "high")).toBe(2);
  });

  it.each([
    [
      "approvals:\n  requird: 2\n",
      `${FILE}:2:3: error: unknown key "approvals.requird" (did you mean "required"?)`,
    ],
    [
      "who_can_command: writer\n",
      `${FILE}:1:18: error: who_can_command must be one of read, triage, write, maintain, admin (found "writer")`,
    ],
    [
      "execution:\n  concurrency: 0\n",
      `${FILE}:2:16: error: execution.concurrency must be at least 1 (found 0)`,
    ],
    [
      "execution: { workflow: .github/workflows/x.yml }\n",
      `${FILE}:1:24: error: execution.workflow must be a workflow file name such as planwright.yml (no folder) (found ".github/workflows/x.yml")`,
    ],
    ["approvals: { required: 0 }\n", `${FILE}:1:24: error: approvals.required must be at least 1 (found 0)`],
    [
      "approvals: { by_risk: { extreme: 3 } }\n",
      `${FILE}:1:25: error: unknown key "approvals.by_risk.extreme" (allowed: low, medium, high, critical)`,
    ],
    [
      "approvals: { allow_requester: no }\n",
      `${FILE}:1:31: error: approvals.allow_requester must be true or false (found "no")`,
    ],
    ["budget:\n  max_usd: -1\n", `${FILE}:2:12: error: budget.max_usd must be positive (found -1)`],
    [
      "defaults: { timeout: 10 minutes }\n",
      `${FILE}:1:22: error: defaults.timeout must be a duration such as 30s, 10m or 1h (found "10 minutes")`,
    ],
    [
      "defaults: { retries: 1.5 }\n",
      `${FILE}:1:22: error: defaults.retries must be a whole number (found 1.5)`,
    ],
    ["policy:\n  paths:\n    deny: ['']\n", `${FILE}:3:12: error: policy.paths.deny[0] must not be empty`],
    [
      "model: claude sonnet\n",
      `${FILE}:1:8: error: model must be a model name such as claude-sonnet-4-6 (found "claude sonnet")`,
    ],
    ["- a\n", `${FILE}:1:1: error: expected a mapping (key: value lines) at the top level, found a list`],
    ["modle: x\n", `${FILE}:1:1: error: unknown key "modle" (did you mean "model"?)`],
  ])("reports %j at its line and column", (text, expected) => {
    const result = parseConfig(text);
    expect(result.config).toBeUndefined();
    expect(result.diagnostics.map((d) => formatConfigDiagnostic(FILE, d))).toEqual([expected]);
  });

  it("reports every problem of a file in one pass, in order", () => {
    expect(problems("foo: 1\nmodel: [1]\nexecution: { concurrency: 99 }\n")).toEqual([
      `${FILE}:1:1: error: unknown key "foo" (allowed: model, who_can_command, approvals, execution, defaults, policy, budget)`,
      `${FILE}:2:8: error: model must be text (found a list)`,
      `${FILE}:3:27: error: execution.concurrency must be at most 32 (found 99)`,
    ]);
  });

  it("reports YAML syntax errors and duplicate keys with positions instead of throwing", () => {
    expect(problems("approvals: [\n")[0]).toMatch(
      /^\.github\/planwright\.yml:2:1: error: YAML syntax error: /,
    );
    expect(problems("model: a\nmodel: b\n")).toEqual([
      `${FILE}:2:1: error: duplicate key "model" (a key may appear only once in a mapping)`,
    ]);
  });

  it("refuses an oversized file and alias bombs", () => {
    expect(problems(`# ${"x".repeat(70_000)}\nmodel: a\n`)[0]).toMatch(/over the limit of 65536 bytes/);
    const names = ["a", "b", "c", "d", "e", "f"];
    const bomb = names.map((name, i) =>
      i === 0
        ? "a: &a [x, x, x, x, x, x, x, x, x, x]"
        : `${name}: &${name} [${Array(10)
            .fill(`*${names[i - 1]}`)
            .join(", ")}]`,
    );
    const result = parseConfig(bomb.join("\n"));
    expect(result.config).toBeUndefined();
    expect(result.diagnostics[0]?.message).toMatch(/too many YAML alias expansions/);
  });

  it("warns about _extends in a file read outside the App, and ignores it", () => {
    const result = parseConfig("_extends: org/.github\nwho_can_command: admin\n");
    expect(result.config?.who_can_command).toBe("admin");
    expect(result.diagnostics.map((d) => formatConfigDiagnostic(FILE, d))).toEqual([
      `${FILE}:1:1: warning: _extends is only resolved by the GitHub App; it is ignored here`,
    ]);
  });

  it("tolerates a byte order mark and CRLF line endings", () => {
    const result = parseConfig("\uFEFFwho_can_command: maintain\r\nexecution:\r\n  concurrency: x\r\n");
    expect(result.diagnostics.map((d) => formatConfigDiagnostic(FILE, d))).toEqual([
      `${FILE}:3:16: error: execution.concurrency must be a number (found "x")`,
    ]);
  });
});

describe("validateConfigObject", () => {
  it("drops _extends and validates the rest", () => {
    const result = validateConfigObject({ _extends: ".github", approvals: { required: 2 } });
    expect(result.diagnostics).toEqual([]);
    expect(result.config?.approvals).toEqual({
      required: 2,
      by_risk: { high: 2, critical: 2 },
      allow_requester: true,
    });
  });

  it("gives the defaults when there is no configuration", () => {
    expect(validateConfigObject(null)).toEqual({ config: DEFAULT_CONFIG, diagnostics: [] });
    expect(validateConfigObject(undefined)).toEqual({ config: DEFAULT_CONFIG, diagnostics: [] });
  });

  it("reports key paths without positions and never falls back to the defaults", () => {
    const result = validateConfigObject({
      approvals: { required: "2" },
      execution: { auto_execut: true },
    });
    expect(result.config).toBeUndefined();
    expect(result.diagnostics.map((d) => formatConfigDiagnostic("cfg", d))).toEqual([
      'cfg: error: approvals.required must be a number (found "2")',
      'cfg: error: unknown key "execution.auto_execut" (did you mean "auto_execute"?)',
    ]);
    expect(result.diagnostics.map((d) => d.path)).toEqual([
      ["approvals", "required"],
      ["execution", "auto_execut"],
    ]);
  });

  it("refuses a configuration that is not a mapping", () => {
    expect(validateConfigObject(["a"]).diagnostics.map((d) => formatConfigDiagnostic("cfg", d))).toEqual([
      "cfg: error: expected a mapping (key: value lines) at the top level, found a list",
    ]);
  });
});

describe("parseConfig robustness", () => {
  it("never throws and never returns both a config and an error, whatever the text", () => {
    const fragments = fc.constantFrom(
      "model: x\n",
      "approvals:\n",
      "  required: 2\n",
      "  by_risk: { high: 3 }\n",
      "execution: { auto_execute: false }\n",
      "\t- a\n",
      "&a [*a]\n",
      "---\n",
      "policy: { paths: { deny: [1] } }\n",
      ": :\n",
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fragments, fc.string({ maxLength: 20 })), { maxLength: 8 }), (parts) => {
        const result = parseConfig(parts.join(""));
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        expect(result.config === undefined).toBe(errors.length > 0);
        for (const d of result.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.message).not.toMatch(/\n|\bat .*\.ts:\d+/);
        }
      }),
    );
  });
});
