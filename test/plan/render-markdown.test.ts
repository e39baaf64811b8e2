import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mdBlock, mdCode, mdText, renderMarkdown } from "../../src/plan/render-markdown.js";
import type { RenderRisk, TaskStatus } from "../../src/plan/render-tree.js";
import { planSchema, type Plan, type PlanInput } from "../../src/plan/schema.js";

const EXAMPLES = ["two-factor-auth", "rest-api", "db-migration"] as const;
const example = (name: string): Plan =>
  planSchema.parse(
    parse(readFileSync(new URL(`../../examples/plans/${name}.yaml`, import.meta.url), "utf8")),
  );

const ZWSP = "\u200b";

function handRisk(plan: Plan): RenderRisk {
  const tasks = plan.phases.flatMap((p) => p.tasks);
  return {
    level: "high",
    reasons: ["touches authentication or data (src/auth/**)", "deletes or drops something"],
    tasks: new Map([[tasks.at(-1)!.id, { level: "high", reasons: ["irreversible change"] }]]),
  };
}

/** Cells of a GFM table row the way GitHub's parser splits it: a backslash escapes the next character. */
function cellCount(row: string): number {
  let cells = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === "\\") i++;
    else if (row[i] === "|") cells++;
  }
  return cells;
}

function expectWellFormed(md: string) {
  const lines = md.split("\n");
  let tableCells: number | undefined;
  for (const line of lines) {
    if (line.startsWith("|")) {
      tableCells ??= cellCount(line);
      expect(cellCount(line), line).toBe(tableCells);
    } else tableCells = undefined;
  }
  // Outside code fences, every fence closes and every <details> ends.
  let fence: string | undefined;
  let open = 0;
  for (const line of lines) {
    const m = /^(`{3,})/.exec(line);
    if (fence) {
      if (m && m[1]!.length >= fence.length && line.trim() === m[1]) fence = undefined;
    } else if (m) fence = m[1];
    else if (line.startsWith("<details>")) open++;
    else if (line === "</details>") open--;
    expect(open).toBeGreaterThanOrEqual(0);
  }
  expect(fence).toBeUndefined();
  expect(open).toBe(0);
  expect(md).toContain(
    "Approve this PR (review → Approve) to run the plan; request changes to have it revised.",
  );
  for (const command of ["`/execute`", "`/revise <instruction>`", "`/status`", "`/help`"])
    expect(md).toContain(command);
}

describe("renderMarkdown on the examples", () => {
  for (const name of EXAMPLES) {
    it(`renders ${name}`, async () => {
      const plan = example(name);
      const md = renderMarkdown(plan, {
        risk: handRisk(plan),
        planPath: `.planwright/plans/${plan.id}.yaml`,
      });
      expectWellFormed(md);
      await expect(md).toMatchFileSnapshot(`__snapshots__/markdown/${name}.md`);
    });
  }

  it("adds a status column when given task states", async () => {
    const plan = example("two-factor-auth");
    const status = new Map<string, TaskStatus>([
      ["add-otp-lib", "done"],
      ["totp-service", "failed"],
    ]);
    const md = renderMarkdown(plan, { status });
    expectWellFormed(md);
    expect(md).toContain("| # | Task | Action | Settings | Status |");
    expect(md).toContain("| ❌ failed |");
    await expect(md).toMatchFileSnapshot("__snapshots__/markdown/two-factor-auth.status.md");
  });
});

describe("escaping untrusted plan text", () => {
  it("neutralises HTML and mentions in titles, keeping the text readable", () => {
    const plan = example("two-factor-auth");
    plan.title = "Fix <img src=x onerror=alert(1)> for @octocat and @org/team";
    plan.phases[0]!.tasks[0]!.title = "Ping @someone | break *the* table";
    const md = renderMarkdown(plan);
    expect(md).not.toContain("<img");
    expect(md).not.toMatch(/@(octocat|org|someone)/);
    expect(md).toContain(`@${ZWSP}octocat`);
    expect(md).toContain("Ping @\u200bsomeone \\| break \\*the\\* table");
    expectWellFormed(md);
  });

  it("keeps summary formatting and code literal while escaping HTML and mentions outside code", () => {
    const out = mdBlock(
      "**Bold** <!-- hidden --> hi @team, see `@literal <b>` and\n```\n<script>@x</script>\n```",
      1000,
    );
    expect(out).toContain("**Bold** &lt;!-- hidden --> hi @\u200bteam, see `@literal <b>` and");
    expect(out).toContain("\n<script>@x</script>\n");
  });

  it("escapes wherever GitHub might not read code where we would", () => {
    const cases = [
      "`` <img src=x> `", // runs of different lengths: no code span at all
      "`x\ny` <img src=x> `z`", // a span opened on the line before
      "# `a\n<img src=x> `", // a heading cannot continue a span
      "\\``a` <img src=x>`", // an escaped backtick shifts the pairs
      " ```\n```\n<img src=x>\n```", // an indented fence closed by a column-0 one
      "```js`\n<img src=x>", // not a fence: backticks in the info string
    ];
    for (const summary of cases) expect(mdBlock(summary, 1000), summary).not.toContain("<img");
  });

  it("re-emits fences at column 0 with a fence longer than any run inside", () => {
    const out = mdBlock("- item\n   ~~~ts extra\n   <b>x</b>\n   ````\n   ~~~\nafter <i>", 1000);
    expect(out).toBe("- item\n`````ts\n   <b>x</b>\n   ````\n`````\nafter &lt;i>");
  });

  it("closes a fence the summary leaves open and says when it was shortened", () => {
    const out = mdBlock("intro\n```js\nconst a = 1;\n" + "x".repeat(500), 100);
    expect(out.split("\n").filter((l) => l.startsWith("```"))).toHaveLength(2);
    expect(out).toMatch(/summary shortened: \d+ more characters/);
  });

  it("keeps table rows intact whatever a command contains", () => {
    const plan = example("rest-api");
    plan.phases[0]!.tasks[0]!.run = "grep 'a\\|b' file | wc -l \\";
    plan.phases[0]!.tasks[0]!.verify = "test `x` | y \\\\| z";
    const md = renderMarkdown(plan);
    expect(md).toContain("grep 'a\\\\\\|b' file \\| wc -l");
    expectWellFormed(md);
  });

  it("fences code spans longer than any backtick run inside and escapes pipes in cells", () => {
    expect(mdCode("a | b")).toBe("`a \\| b`");
    expect(mdCode("echo `x` ``y``", 100, false)).toBe("``` echo `x` ``y`` ```");
    expect(mdCode("`start")).toBe("`` `start ``");
    expect(mdText("# not a *heading* [link](x)")).toBe("\\# not a \\*heading\\* \\[link\\](x)");
  });

  it("never lets file content close its fence or details block", () => {
    const plan = example("two-factor-auth");
    plan.phases[1]!.tasks[2]!.write!.content = "```\n</details>\n<script>alert(1)</script>\n````\n";
    const md = renderMarkdown(plan);
    expect(md).toContain("`````\n```\n</details>");
    expectWellFormed(md);
  });
});

function hugePlan(phases: number, tasksPerPhase: number, contentBytes: number): Plan {
  let n = 0;
  const input: PlanInput = {
    version: 1,
    id: "999-huge",
    title: "Huge " + "title ".repeat(300),
    request: "everything",
    summary: "A very long summary. ".repeat(5_000),
    phases: Array.from({ length: phases }, (_, p) => ({
      id: `phase-${p}`,
      title: "Phase with a long title ".repeat(20),
      mode: p % 2 ? ("parallel" as const) : ("sequential" as const),
      tasks: Array.from({ length: tasksPerPhase }, () => {
        const id = `task-${n++}`;
        return n % 3 === 0
          ? { id, title: `Run | @user ${"x".repeat(400)}`, run: `npm run build | tee ${"`out`".repeat(100)}` }
          : n % 3 === 1
            ? {
                id,
                title: `Write ${id}`,
                write: { path: `docs/${id}.md`, content: "c".repeat(contentBytes) },
              }
            : {
                id,
                title: `Edit ${id}`,
                edit: {
                  files: [`src/${id}.ts`],
                  instructions: "Do it.\n".repeat(Math.max(1, contentBytes / 7)),
                },
              };
      }),
    })),
  };
  return planSchema.parse(input);
}

describe("the size limit", () => {
  it("keeps 500 tasks with 1 MiB of content under 60,000 characters and says what it left out", () => {
    const plan = hugePlan(5, 100, 3_200);
    const content = plan.phases
      .flatMap((p) => p.tasks)
      .reduce((n, t) => n + (t.write?.content.length ?? 0) + (t.edit?.instructions.length ?? 0), 0);
    expect(content).toBeGreaterThan(1024 * 1024);
    const md = renderMarkdown(plan, {
      risk: { ...handRisk(plan), reasons: Array(50).fill("r".repeat(1000)) },
    });
    expect(md.length).toBeLessThan(60_000);
    expect(md).toMatch(/… and \d+ more tasks not shown/);
    expect(md).toMatch(/… and \d+ more phases \(\d+ tasks\) not shown|more tasks not shown/);
    expect(md).toContain("summary shortened");
    expect(md).not.toContain("(truncated)");
    expectWellFormed(md);
  });

  it("handles many phases of one task each", () => {
    const md = renderMarkdown(hugePlan(500, 1, 10));
    expect(md.length).toBeLessThan(60_000);
    expect(md).toMatch(/… and \d+ more phases \(\d+ tasks\) not shown/);
    expectWellFormed(md);
  });

  it("stays under any limit from 8,000 characters up, for random plans", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 8_000, max: 70_000 }),
        (phases, perPhase, bytes, maxChars) => {
          const md = renderMarkdown(hugePlan(phases, perPhase, bytes), { maxChars });
          expect(md.length).toBeLessThan(maxChars);
          expect(md).not.toContain("(truncated)");
          expectWellFormed(md);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("still returns something under a tiny limit", () => {
    expect(renderMarkdown(hugePlan(2, 2, 100), { maxChars: 500 }).length).toBeLessThan(500);
  });
});
