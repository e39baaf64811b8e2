/**
 * The pre-parse task count is a lower bound: it may miss tasks written in styles it does not
 * follow, but it never counts what is not a task, whatever text hides in values, comments or
 * other documents. An oversized plan is refused by it before the parse, at the first task over the
 * limit, with the file's size.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { countTaskEntries } from "../../src/plan/count-tasks.js";
import { loadPlan } from "../../src/plan/load-plan.js";

const HEAD = "version: 1\nid: demo\ntitle: Demo\nrequest: demo\n";

function blockPlan(tasks: number, perPhase = 50): string {
  let out = HEAD + "phases:\n";
  for (let i = 0; i < tasks; i++) {
    if (i % perPhase === 0) out += `  - id: p${i}\n    tasks:\n`;
    out += `      - id: t${i}\n        title: Task ${i}\n        run: npm test\n`;
  }
  return out;
}

/** The real task count, from a full parse of the first document. */
function realCount(text: string): number {
  const data = parseAllDocuments(text, { uniqueKeys: false })[0]?.toJS({ maxAliasCount: -1 }) as
    { phases?: { tasks?: unknown[] }[] } | undefined;
  if (!data || !Array.isArray(data.phases)) return 0;
  return data.phases.reduce((n, p) => n + (p && Array.isArray(p.tasks) ? p.tasks.length : 0), 0);
}

describe("countTaskEntries", () => {
  it("counts every task of block-style plans, in every example and fixture", () => {
    const files = [
      ...readdirSync("examples/plans").map((f) => join("examples/plans", f)),
      ...readdirSync("test/fixtures/plans/valid").map((f) => join("test/fixtures/plans/valid", f)),
    ].filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(countTaskEntries(text).count, file).toBeLessThanOrEqual(realCount(text));
    }
    for (const n of [0, 1, 49, 50, 51, 777]) expect(countTaskEntries(blockPlan(n)).count).toBe(n);
  });

  it("stops counting where asked", () => {
    expect(countTaskEntries(blockPlan(300), undefined, 120).count).toBe(120);
    expect(countTaskEntries(blockPlan(300), 101, 120).position).toEqual({
      line: blockPlan(300).split("\n").indexOf("      - id: t100") + 1,
      col: 7,
    });
  });

  it("counts compact sequences, CRLF line ends, comments, anchors and tags", () => {
    const compact =
      HEAD + "phases:\n- id: a\n  tasks:\n  - id: x\n    run: a\n  - id: y\n    run: b\n  mode: parallel\n";
    expect(countTaskEntries(compact).count).toBe(2);
    expect(countTaskEntries(blockPlan(7).replaceAll("\n", "\r\n")).count).toBe(7);
    const decorated =
      HEAD +
      "phases: # all\n  - id: a\n    tasks: &t !!seq # list\n      # - id: not-a-task\n      - id: x\n        run: a\n";
    expect(countTaskEntries(decorated).count).toBe(1);
  });

  it.each([
    [
      "a block scalar",
      "      - id: x\n        edit:\n          files: [a]\n          instructions: |\n            tasks:\n            - id: y\n            - id: z\n",
    ],
    [
      "a folded scalar at the item's column + 2",
      "      - id: x\n        title: >\n          - id: y\n          - id: z\n",
    ],
    [
      "a multi-line quoted scalar",
      '      - id: x\n        title: "a\n          - id: y\n          - id: z"\n',
    ],
    ["a multi-line plain scalar", "      - id: x\n        title: a\n          - id: y\n          - id: z\n"],
    ["a flow sequence over lines", "      - id: x\n        needs: [\n          - y,\n          - z ]\n"],
    ["a tasks key inside a task", "      - id: x\n        tasks:\n          - id: y\n          - id: z\n"],
  ])("does not count lines of %s", (_name, body) => {
    const text = HEAD + "phases:\n  - id: p\n    tasks:\n" + body;
    expect(countTaskEntries(text).count).toBe(1);
  });

  it("does not count tasks outside the top-level phases, nor in a later document", () => {
    expect(countTaskEntries(HEAD + "tasks:\n  - id: a\n  - id: b\n").count).toBe(0);
    expect(countTaskEntries(HEAD + "meta:\n  phases:\n    - tasks:\n        - id: a\n").count).toBe(0);
    expect(countTaskEntries(HEAD + "phases: x\n  - tasks:\n      - id: a\n").count).toBe(0);
    expect(countTaskEntries(HEAD + "phases:\n  - id: p\n    tasks: []\n      - id: a\n").count).toBe(0);
    expect(countTaskEntries(blockPlan(1) + "---\n" + blockPlan(5).slice(HEAD.length)).count).toBe(1);
    expect(countTaskEntries(blockPlan(1) + "...\n" + blockPlan(5).slice(HEAD.length)).count).toBe(1);
  });

  it("never counts more than the parse finds, for plans of any values in any style", () => {
    const hostile = fc.constantFrom(
      "- id: x",
      "tasks:",
      "  - a",
      "phases:",
      "# - b",
      "---",
      "|",
      "\n",
      "'",
      '"',
      ": ",
      "- ",
    );
    const text = fc
      .array(fc.oneof(hostile, fc.string({ maxLength: 6 })), { maxLength: 8 })
      .map((p) => p.join(""));
    const task = fc.record({ id: fc.constant("t"), title: text, run: text });
    const plan = fc.record({
      version: fc.constant(1),
      summary: text,
      phases: fc.array(fc.record({ id: text, title: text, tasks: fc.array(task, { maxLength: 4 }) }), {
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(plan, fc.constantFrom(0, 1, 2, 3), (p, style) => {
        const yaml = stringify(p, {
          indentSeq: style % 2 === 0,
          ...(style >= 2 ? { collectionStyle: "flow" as const } : {}),
          lineWidth: 20,
        });
        const real = p.phases.reduce((n, ph) => n + ph.tasks.length, 0);
        const counted = countTaskEntries(yaml).count;
        expect(counted).toBeLessThanOrEqual(real);
        if (style < 2) expect(counted).toBe(real);
      }),
      { numRuns: 300 },
    );
  });
});

describe("loadPlan's task limit before the parse", () => {
  it("refuses a plan over twice the limit at its first task over the limit, with its size", () => {
    const text = blockPlan(5_000);
    const result = loadPlan(text);
    expect(result.plan).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    const [d] = result.diagnostics;
    expect(d?.message).toBe(
      `too many tasks: the plan has at least 1001, over the limit of 500 (${Buffer.byteLength(text)} bytes; ` +
        "refused before parsing, so nothing else was checked)",
    );
    // task 501 is in the phase of tasks 500..549: its entry line
    const line = text.split("\n").indexOf("      - id: t500") + 1;
    expect(d).toMatchObject({ line, col: 7 });
  });

  it("leaves plans up to twice the limit, and flow-style plans over it, to the full check", () => {
    expect(loadPlan(blockPlan(500)).plan).toBeDefined();
    expect(loadPlan(blockPlan(1_000)).diagnostics.map((d) => d.message)).toEqual([
      "too many tasks: the plan has more than the limit of 500",
    ]);
    const flow =
      HEAD +
      "phases:\n  - id: p\n    tasks: [" +
      Array.from({ length: 501 }, (_, i) => `{ id: t${i}, title: T, run: a }`).join(", ") +
      "]\n";
    const messages = loadPlan(flow).diagnostics.map((d) => d.message);
    expect(messages).toContain("too many tasks: the plan has more than the limit of 500");
  });
});
