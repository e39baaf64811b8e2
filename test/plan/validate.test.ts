import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findCycles } from "../../src/plan/dependency-cycles.js";
import { loadPlan } from "../../src/plan/load-plan.js";

const HEAD = "version: 1\nid: demo\ntitle: Demo\nrequest: demo\n";

/** A plan from phases of task lines (`id: x, run: npm test, needs: [y]`), one line per task. */
function planOf(phases: Record<string, string[]>, top = ""): string {
  let out = HEAD + top + "phases:\n";
  for (const [phase, tasks] of Object.entries(phases)) {
    out += `  - id: ${phase}\n    tasks:\n`;
    for (const t of tasks) out += `      - { title: T, ${t} }\n`;
  }
  return out;
}

function messages(text: string, options?: Parameters<typeof loadPlan>[1]): string[] {
  return loadPlan(text, options).diagnostics.map((d) => `${d.severity} ${d.line}:${d.col} ${d.message}`);
}

describe("findCycles", () => {
  it("finds none in a DAG", () => {
    expect(findCycles([[1, 2], [2], []])).toEqual([]);
  });

  it("finds self, two- and three-node cycles, each once, from the lowest node", () => {
    expect(findCycles([[0]])).toEqual([[0, 0]]);
    expect(findCycles([[1], [0]])).toEqual([[0, 1, 0]]);
    expect(findCycles([[2], [0], [1]])).toEqual([[0, 2, 1, 0]]);
  });

  it("reports separate cycles separately and picks the shortest path in a component", () => {
    expect(findCycles([[1], [0], [3], [4], [2, 3]])).toEqual([
      [0, 1, 0],
      [2, 3, 4, 2],
    ]);
    expect(findCycles([[1, 2], [2], [0]])).toEqual([[0, 2, 0]]);
  });

  it("handles a 100,000-node chain and ring without overflowing the stack", () => {
    const n = 100_000;
    const chain = Array.from({ length: n }, (_, i) => (i + 1 < n ? [i + 1] : []));
    expect(findCycles(chain)).toEqual([]);
    const ring = Array.from({ length: n }, (_, i) => [(i + 1) % n]);
    const [cycle] = findCycles(ring);
    expect(cycle).toHaveLength(n + 1);
    expect(cycle?.[0]).toBe(0);
    expect(cycle?.[n]).toBe(0);
  });

  it("ignores edges to nodes that do not exist", () => {
    expect(findCycles([[5, -1]])).toEqual([]);
  });
});

describe("semantic rules", () => {
  it("accepts needs on the same and earlier phases", () => {
    const text = planOf({
      one: ["id: a, run: npm test", "id: b, run: npm test, needs: [a]"],
      two: ["id: c, run: npm test, needs: [a, b]"],
    });
    expect(messages(text)).toEqual([]);
  });

  it("refuses needs on a later phase, naming the phase", () => {
    const text = planOf({ one: ["id: a, run: npm test, needs: [c]"], two: ["id: c, run: npm test"] });
    expect(messages(text)).toEqual([
      'error 8:51 task "a": needs "c" of the later phase "two" (needs may name only tasks of the same or an earlier phase)',
    ]);
  });

  it("refuses needs on a later task of a sequential or manual phase, at the line of the needs", () => {
    const text = planOf({ one: ["id: e, run: npm test, needs: [f]", "id: f, run: npm test"] });
    expect(messages(text)).toEqual([
      'error 8:51 task "e": needs "f", which comes later in this sequential phase (tasks run in file order there: move "f" before it, or make the phase parallel)',
    ]);
    const manual = text.replace("  - id: one\n", "  - id: one\n    mode: manual\n");
    expect(messages(manual)).toEqual([expect.stringMatching(/^error 9:51 .*later in this manual phase/)]);
    const parallel = text.replace("  - id: one\n", "  - id: one\n    mode: parallel\n");
    expect(messages(parallel)).toEqual([]);
  });

  it("warns about a task needed twice", () => {
    const text = planOf({ one: ["id: a, run: npm test", "id: b, run: npm test, needs: [a, a]"] });
    expect(messages(text)).toEqual(['warning 9:54 task "b": needs "a" twice']);
    expect(loadPlan(text).plan).toBeDefined();
  });

  it("reports duplicate task ids across phases with the first line", () => {
    const text = planOf({ one: ["id: a, run: npm test"], two: ["id: a, run: npm test"] });
    expect(messages(text)).toEqual(['error 11:25 duplicate task id "a" (first used on line 8)']);
  });

  it("reports a cycle once even when every edge of it is checked", () => {
    const text = planOf({
      one: [
        "id: a, run: npm test, needs: [b]",
        "id: b, run: npm test, needs: [c]",
        "id: c, run: npm test, needs: [a]",
      ],
    });
    expect(messages(text)).toEqual(["error 8:51 dependency cycle: a -> b -> c -> a"]);
  });

  it("does not report needs on missing tasks as cycles", () => {
    const text = planOf({ one: ["id: a, run: npm test, needs: [zz]"] });
    expect(messages(text)).toEqual(['error 8:51 task "a": needs "zz", which is not a task of this plan']);
  });

  it("counts tasks against maxTasks: the limit itself is fine, one more is not", () => {
    const tasks = Array.from({ length: 500 }, (_, i) => `id: t${i}, run: npm test`);
    expect(loadPlan(planOf({ one: tasks })).plan).toBeDefined();
    const over = messages(planOf({ one: [...tasks, "id: extra, run: npm test"] }));
    expect(over).toEqual(["error 508:9 too many tasks: the plan has more than the limit of 500"]);
  });

  it("adds content of write and edit tasks against maxContentBytes", () => {
    const text = planOf({
      one: [
        'id: a, write: { path: a.md, content: "0123456789" }',
        'id: b, edit: { files: [b.ts], instructions: "0123456789" }',
      ],
    });
    expect(loadPlan(text, { limits: { maxContentBytes: 20 } }).plan).toBeDefined();
    expect(messages(text, { limits: { maxContentBytes: 19 } })).toEqual([
      'error 9:65 task "b": write.content and edit.instructions of the plan total more than the limit of 19 bytes',
    ]);
  });

  it("applies extra deny globs from the configuration", () => {
    const text = planOf({ one: ["id: a, delete: { path: config/secrets.json }"] });
    expect(messages(text)).toEqual([]);
    expect(messages(text, { extraDeny: ["config/**"] })).toEqual([
      'error 8:44 task "a": path "config/secrets.json" is refused: denied by policy.paths.deny "config/**"',
    ]);
  });

  it("applies the plan's own deny list", () => {
    const text = planOf(
      { one: ["id: a, edit: { files: [src/ok.ts, vendor/x.js], instructions: go }"] },
      'policy: { paths: { deny: ["vendor/**"] } }\n',
    );
    expect(messages(text)).toEqual([
      'error 9:55 task "a": path "vendor/x.js" is refused: denied by policy.paths.deny "vendor/**"',
    ]);
  });

  it("warns when the declared risk is lower than computed, and still returns the plan", () => {
    const text = planOf({ one: ["id: a, delete: { path: src/auth/login.ts }"] }, "risk: low\n");
    const result = loadPlan(text);
    expect(result.plan).toBeDefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ severity: "warning", line: 5, col: 7 });
    expect(result.diagnostics[0]?.message).toMatch(
      /^risk is declared "low" but the plan looks "(high|critical)": /,
    );
  });

  it("does not warn when the declared risk is at least the computed one", () => {
    const text = planOf({ one: ["id: a, delete: { path: src/auth/login.ts }"] }, "risk: critical\n");
    expect(messages(text)).toEqual([]);
  });

  it("checks tasks with a malformed id too: policy, kinds and the task count", () => {
    const text = planOf({ one: ["id: Bad_Id, delete: { path: .git/config }", "id: ok, run: npm test"] });
    expect(messages(text, { limits: { maxTasks: 1 } })).toEqual([
      "error 8:25 task phases[0].tasks[0]: id must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits and dashes)",
      'error 8:49 task phases[0].tasks[0]: path ".git/config" is refused: .git/ is never writable',
      "error 9:9 too many tasks: the plan has more than the limit of 1",
    ]);
  });

  it("still runs the semantic rules when the schema fails", () => {
    const text = planOf({ one: ["id: a, run: npm test, timeout: never", "id: a, run: npm test"] });
    expect(messages(text)).toEqual([
      'error 8:52 task "a": timeout must be a duration such as 30s, 10m or 1h',
      'error 9:25 duplicate task id "a" (first used on line 8)',
    ]);
  });
});

describe("robustness", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const example = readFileSync(
    join(here, "..", "fixtures", "plans", "valid", "architecture-example.yaml"),
    "utf8",
  );

  function wellFormed(source: string | Uint8Array): void {
    const result = loadPlan(source);
    for (const d of result.diagnostics) {
      expect(Number.isInteger(d.line) && d.line >= 1).toBe(true);
      expect(Number.isInteger(d.col) && d.col >= 1).toBe(true);
      expect(d.message).not.toMatch(/[\n\r]/);
      expect(d.message).not.toMatch(/^internal error/);
    }
    expect(result.plan !== undefined).toBe(!result.diagnostics.some((d) => d.severity === "error"));
  }

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => wellFormed(s)),
      { numRuns: 400 },
    );
  });

  it("never throws on YAML-ish token soup", () => {
    const token = fc.constantFrom(
      "\n",
      " ",
      "  ",
      "\t",
      "- ",
      ": ",
      "{",
      "}",
      "[",
      "]",
      ",",
      "&a ",
      "*a",
      "!!str ",
      "? ",
      "|",
      ">",
      "#",
      '"',
      "'",
      "---\n",
      "...\n",
      "version",
      "id",
      "phases",
      "tasks",
      "needs",
      "run",
      "x",
      "1",
      "null",
      "~",
      "<<",
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), (parts) => wellFormed(parts.join(""))),
      { numRuns: 400 },
    );
  });

  it("never throws on mutated valid plans (text and bytes)", () => {
    const lines = example.split("\n");
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("delete-line" as const), at: fc.nat(lines.length - 1) }),
      fc.record({ kind: fc.constant("duplicate-line" as const), at: fc.nat(lines.length - 1) }),
      fc.record({
        kind: fc.constant("swap" as const),
        at: fc.nat(lines.length - 1),
        to: fc.nat(lines.length - 1),
      }),
      fc.record({
        kind: fc.constant("insert" as const),
        at: fc.nat(example.length),
        text: fc.string({ maxLength: 8 }),
      }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat(example.length), length: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.nat(255), (mutations, byte) => {
        let text = example;
        for (const m of mutations) {
          const ls = text.split("\n");
          if (m.kind === "delete-line") ls.splice(m.at % ls.length, 1);
          else if (m.kind === "duplicate-line") ls.splice(m.at % ls.length, 0, ls[m.at % ls.length] ?? "");
          else if (m.kind === "swap") {
            const a = m.at % ls.length;
            const b = m.to % ls.length;
            [ls[a], ls[b]] = [ls[b] ?? "", ls[a] ?? ""];
          }
          text = ls.join("\n");
          if (m.kind === "insert") text = text.slice(0, m.at) + m.text + text.slice(m.at);
          if (m.kind === "cut") text = text.slice(0, m.at) + text.slice(m.at + m.length);
        }
        wellFormed(text);
        const bytes = new TextEncoder().encode(text);
        if (bytes.length > 0) bytes[byte % bytes.length] = byte;
        wellFormed(bytes);
      }),
      { numRuns: 300 },
    );
  });
});
