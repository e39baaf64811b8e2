import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPlan } from "../../src/plan/load-plan.js";
import { assessPlanRisk } from "../../src/plan/risk.js";
import { taskKind } from "../../src/plan/schema.js";

const dir = new URL("../../examples/plans/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

describe("example plans", () => {
  it("include the three documented examples", () => {
    expect(files).toEqual(
      expect.arrayContaining(["two-factor-auth.yaml", "rest-api.yaml", "db-migration.yaml"]),
    );
  });

  for (const file of files) {
    describe(file, () => {
      const text = readFileSync(new URL(file, dir), "utf8");
      const result = loadPlan(text);

      it("loads without errors or warnings", () => {
        expect(result.diagnostics).toEqual([]);
        expect(result.plan).toBeDefined();
      });

      it("points editors at the JSON schema", () => {
        expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../../schema/plan.schema.json");
      });

      it("is realistic: a summary, an issue, a budget, and verification for every task", () => {
        const plan = result.plan!;
        expect(plan.summary?.trim().length).toBeGreaterThan(80);
        expect(plan.issue).toBeGreaterThan(0);
        expect(plan.id.startsWith(`${plan.issue}-`)).toBe(true);
        expect(plan.budget).toBeDefined();
        for (const task of plan.phases.flatMap((p) => p.tasks)) {
          expect(taskKind(task)).toBeDefined();
          // A task verifies with its own command, the plan default, or opts out explicitly.
          expect(task.verify ?? plan.defaults?.verify).not.toBeUndefined();
        }
      });

      it("declares no lower risk than it has", () => {
        expect(assessPlanRisk(result.plan!).understated).toBe(false);
      });
    });
  }

  it("cover every phase mode, needs, checkpoints and all four task kinds between them", () => {
    const plans = files.map((f) => loadPlan(readFileSync(new URL(f, dir), "utf8")).plan!);
    const phases = plans.flatMap((p) => p.phases);
    const tasks = phases.flatMap((p) => p.tasks);
    expect(new Set(phases.map((p) => p.mode))).toEqual(new Set(["sequential", "parallel", "manual"]));
    expect(new Set(tasks.map(taskKind))).toEqual(new Set(["edit", "run", "write", "delete"]));
    expect(tasks.some((t) => t.checkpoint)).toBe(true);
    expect(tasks.some((t) => (t.needs ?? []).length > 1)).toBe(true);
  });
});
