import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { assessPlanRisk } from "../../src/plan/risk.js";
import { renderTree, type RenderRisk, type TaskStatus } from "../../src/plan/render-tree.js";
import { planSchema, type Plan } from "../../src/plan/schema.js";

const EXAMPLES = ["two-factor-auth", "rest-api", "db-migration"] as const;
const example = (name: string): Plan =>
  planSchema.parse(
    parse(readFileSync(new URL(`../../examples/plans/${name}.yaml`, import.meta.url), "utf8")),
  );

/** A fixed risk object, so snapshots do not move when the risk rules are tuned. */
function handRisk(plan: Plan): RenderRisk {
  const tasks = plan.phases.flatMap((p) => p.tasks);
  const first = tasks[0]!;
  const last = tasks.at(-1)!;
  return {
    level: "high",
    reasons: ["touches authentication or data", "deletes or drops something"],
    tasks: new Map([
      [first.id, { level: "medium", reasons: ["installs or changes dependencies"] }],
      [last.id, { level: "high", reasons: ["irreversible change"] }],
    ]),
  };
}

const someStatus = (plan: Plan): Map<string, TaskStatus> => {
  const ids = plan.phases.flatMap((p) => p.tasks.map((t) => t.id));
  const states: TaskStatus[] = ["done", "done", "failed", "running", "waiting", "reverted", "skipped"];
  return new Map(ids.map((id, i) => [id, states[i] ?? "pending"]));
};

describe("renderTree on the examples", () => {
  for (const name of EXAMPLES) {
    it(`renders ${name}`, async () => {
      const plan = example(name);
      await expect(renderTree(plan, { risk: handRisk(plan) })).toMatchFileSnapshot(
        `__snapshots__/tree/${name}.txt`,
      );
      await expect(
        renderTree(plan, { ascii: true, status: someStatus(plan), risk: handRisk(plan) }),
      ).toMatchFileSnapshot(`__snapshots__/tree/${name}.ascii.txt`);
    });
  }
});

describe("renderTree", () => {
  const plan = example("two-factor-auth");

  it("puts phase mode and task metadata in braces", () => {
    const out = renderTree(plan);
    expect(out).toContain("login-flow: Login flow and docs {parallel, 4 tasks, 2 waves}");
    expect(out).toContain("{needs add-otp-lib, verify npm test -- totp, timeout 15m, 3 retries, checkpoint}");
    expect(out).toContain("{no verify}");
  });

  it("draws branches, the last one closing the phase", () => {
    const lines = renderTree(plan).split("\n");
    const i = lines.indexOf("deps: Dependencies and service {sequential, 2 tasks}");
    expect(lines[i + 1]).toMatch(/^├─ add-otp-lib /);
    expect(lines[i + 2]).toMatch(/^└─ totp-service /);
  });

  it("uses only ASCII with ascii:true, whatever the plan contains", () => {
    const q: Plan = structuredClone(plan);
    q.title = "Zwei-Faktor → Anmeldung ✓ 日本";
    q.phases[0]!.tasks[0]!.title = "Install “otplib” — fast";
    const out = renderTree(q, { ascii: true, risk: handRisk(q), status: someStatus(q) });
    expect(out).toMatch(/^[\n\u0020-\u007e]*$/);
    expect(out).toContain("|- [x] add-otp-lib");
    expect(out).toContain("`- ");
    expect(out).toContain("! high");
  });

  it("colours only when asked", () => {
    expect(renderTree(plan, { risk: handRisk(plan) })).not.toContain("\u001b[");
    const coloured = renderTree(plan, { color: true, risk: handRisk(plan), status: someStatus(plan) });
    expect(coloured).toContain("\u001b[1mdeps\u001b[0m");
    expect(coloured).toContain("\u001b[31m⚠ high\u001b[0m");
  });

  it("strips control and bidi characters from plan text so it cannot drive the terminal", () => {
    const q: Plan = structuredClone(plan);
    q.title = "Evil\u001b[2J\u001b]0;pwned\u0007 title\u202e";
    q.phases[0]!.tasks[0]!.run = "npm test\r\nrm -rf /";
    const out = renderTree(q);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    expect(out).toContain("run npm test rm -rf /");
  });

  it("shortens long commands and titles", () => {
    const q: Plan = structuredClone(plan);
    q.phases[0]!.tasks[0]!.run = "npm run " + "x".repeat(500);
    const line = renderTree(q)
      .split("\n")
      .find((l) => l.includes("add-otp-lib"))!;
    expect(line.length).toBeLessThan(250);
    expect(line).toContain("…");
  });

  it("marks tasks the real risk assessment rates above low", () => {
    const risk = assessPlanRisk(plan);
    const out = renderTree(plan, { risk });
    for (const [id, r] of risk.tasks) {
      const line = out.split("\n").find((l) => l.includes(` ${id}  `))!;
      if (r.level === "low") expect(line).not.toContain("⚠");
      else expect(line).toContain(`⚠ ${r.level}`);
    }
  });
});
