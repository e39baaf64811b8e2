import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mermaidId, mermaidLabel, renderMermaid } from "../../src/plan/render-mermaid.js";
import { planSchema, type Plan } from "../../src/plan/schema.js";

const EXAMPLES = ["two-factor-auth", "rest-api", "db-migration"] as const;
const example = (name: string): Plan =>
  planSchema.parse(
    parse(readFileSync(new URL(`../../examples/plans/${name}.yaml`, import.meta.url), "utf8")),
  );

describe("renderMermaid on the examples", () => {
  for (const name of EXAMPLES) {
    it(`renders ${name}`, async () => {
      await expect(renderMermaid(example(name))).toMatchFileSnapshot(`__snapshots__/mermaid/${name}.mmd`);
    });
  }
});

describe("renderMermaid", () => {
  it("draws a subgraph per phase, edges for needs, phase order and sequential order", () => {
    const out = renderMermaid(example("two-factor-auth"));
    expect(out.startsWith("flowchart TD\n")).toBe(true);
    expect(out).toContain('  subgraph p_deps["deps: Dependencies and service — sequential, 2 tasks"]');
    expect(out).toContain("  p_deps ==> p_login_flow");
    expect(out).toContain("  t_login_step --> t_drop_legacy");
    expect(out.match(/^\s*end$/gm)).toHaveLength(2);
    const rest = renderMermaid(example("rest-api"));
    expect(rest).toContain("  t_add_deps -.-> t_router");
    expect(rest).not.toContain("t_lists_read -.-> t_lists_write");
  });

  it("maps ids one-to-one onto safe Mermaid ids, clear of keywords and edge syntax", () => {
    expect(mermaidId("task", "end")).toBe("t_end");
    expect(mermaidId("task", "a--b")).toBe("t_a__b");
    expect(mermaidId("phase", "a-b")).not.toBe(mermaidId("task", "a-b"));
  });

  it("leaves out edges to unknown tasks instead of inventing nodes", () => {
    const plan = example("rest-api");
    plan.phases[0]!.tasks[1]!.needs = ["ghost"];
    expect(renderMermaid(plan)).not.toContain("ghost");
  });

  it("draws only phases when asked", () => {
    const out = renderMermaid(example("db-migration"), { phasesOnly: true });
    expect(out).not.toMatch(/\bt_/);
    expect(out).toContain("p_expand ==> p_cut_over");
  });

  it("escapes labels so no plan text can close a node, a fence or a table", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (title) => {
        const label = mermaidLabel(title);
        expect(label).not.toMatch(/["[\]`|{}<>\n\\]/);
        const plan = example("two-factor-auth");
        plan.phases[0]!.tasks[0]!.title = title || "x";
        plan.phases[0]!.title = title;
        for (const line of renderMermaid(plan).trimEnd().split("\n").slice(1)) {
          expect(line).toMatch(
            /^ {2,4}(subgraph \w+\["[^"]*"\]|\w+\["[^"]*"\]|end|direction TB|\w+ (-->|==>|-\.->) \w+)$/,
          );
        }
      }),
    );
    expect(mermaidLabel('a "b" [c] `d` |e| #f <g>')).toBe(
      "a #quot;b#quot; #91;c#93; #96;d#96; #124;e#124; #35;f #lt;g#gt;",
    );
  });
});
