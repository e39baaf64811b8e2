import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { criticalPath, executionWaves, graphHash } from "../../src/plan/graph.js";
import { renderJson } from "../../src/plan/render-json.js";
import { planSchema, type Plan } from "../../src/plan/schema.js";

const EXAMPLES = ["two-factor-auth", "rest-api", "db-migration"] as const;
const example = (name: string): Plan =>
  planSchema.parse(
    parse(readFileSync(new URL(`../../examples/plans/${name}.yaml`, import.meta.url), "utf8")),
  );

describe("renderJson on the examples", () => {
  for (const name of EXAMPLES) {
    it(`renders ${name}`, async () => {
      await expect(renderJson(example(name))).toMatchFileSnapshot(`__snapshots__/json/${name}.json.txt`);
    });
  }
});

describe("renderJson", () => {
  const plan = example("two-factor-auth");

  it("holds the plan and what the graph derives from it, in a fixed key order", () => {
    const text = renderJson(plan);
    const data = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(["graphHash", "plan", "waves", "criticalPath"]);
    expect(data["graphHash"]).toBe(graphHash(plan));
    expect(data["plan"]).toEqual(plan);
    expect(data["waves"]).toEqual(executionWaves(plan));
    expect(data["criticalPath"]).toEqual(criticalPath(plan));
    expect(text).toMatch(/^\{\n {2}"graphHash"/);
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("turns risk and status maps into objects in plan order, whatever order they were built in", () => {
    const risk = {
      level: "high" as const,
      reasons: ["deletes a file"],
      tasks: new Map([
        ["drop-legacy", { level: "high" as const, reasons: ["deletes src/auth/legacy.ts"] }],
        ["add-otp-lib", { level: "medium" as const, reasons: ["installs a dependency"] }],
      ]),
    };
    const status = new Map([
      ["zz-unknown", "pending" as const],
      ["totp-service", "running" as const],
      ["add-otp-lib", "done" as const],
    ]);
    const data = JSON.parse(renderJson(plan, { risk, status })) as {
      risk: { level: string; tasks: Record<string, unknown> };
      status: Record<string, string>;
    };
    expect(data.risk.level).toBe("high");
    expect(Object.keys(data.risk.tasks)).toEqual(["add-otp-lib", "drop-legacy"]);
    expect(Object.keys(data.status)).toEqual(["add-otp-lib", "totp-service", "zz-unknown"]);
  });
});
