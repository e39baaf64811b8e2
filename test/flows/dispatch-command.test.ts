import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runsOfPull, titleNamesPull } from "../../src/flows/dispatch-command.js";
import type { WorkflowRun } from "../../src/github/gateway.js";

const run = (id: number, displayTitle: string): WorkflowRun => ({
  id,
  status: "in_progress",
  conclusion: null,
  headBranch: "main",
  event: "workflow_dispatch",
  htmlUrl: `https://github.com/o/r/actions/runs/${id}`,
  createdAt: "2026-01-01T00:00:00Z",
  displayTitle,
});

describe("titleNamesPull", () => {
  it("matches #12 as a whole number only", () => {
    expect(titleNamesPull("planwright execute #12", 12)).toBe(true);
    expect(titleNamesPull("planwright execute #120", 12)).toBe(false);
    expect(titleNamesPull("planwright execute #1", 12)).toBe(false);
    expect(titleNamesPull("planwright", 12)).toBe(false);
  });
});

describe("runsOfPull", () => {
  it("takes every run titled for the PR and leaves the others", () => {
    const runs = [run(1, "planwright execute #12"), run(2, "planwright execute #13"), run(3, "x #12")];
    expect(runsOfPull(runs, 12)).toEqual({ cancel: [runs[0], runs[2]] });
  });

  it("falls back to the one untitled run, as before titles existed", () => {
    const runs = [run(1, "planwright execute #13"), run(2, "planwright")];
    expect(runsOfPull(runs, 12)).toEqual({ cancel: [runs[1]] });
  });

  it("refuses when nothing is active, when only other PRs run, and when several runs are untitled", () => {
    expect(runsOfPull([], 12)).toEqual({ refuse: "no Planwright run is active" });
    expect(runsOfPull([run(1, "planwright execute #13")], 12)).toEqual({
      refuse: "no active Planwright run is for #12",
    });
    const refused = runsOfPull([run(1, "planwright"), run(2, "Planwright")], 12);
    expect("refuse" in refused && refused.refuse).toMatch(/^2 Planwright runs .*runs\/1, .*runs\/2$/);
    expect(refused).toHaveProperty("ambiguous", true);
  });
});

describe("the shipped workflow's run-name", () => {
  it("titles each run with its PR, as /cancel matches it", () => {
    const file = new URL("../../examples/workflows/planwright.yml", import.meta.url);
    const workflow = parse(readFileSync(file, "utf8")) as { "run-name"?: string };
    const inputs: Record<string, string> = { command: "rollback", pr: "12" };
    const title = (workflow["run-name"] ?? "").replace(
      /\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g,
      (_, name: string) => inputs[name] ?? "",
    );
    expect(title).toBe("planwright rollback #12");
    expect(runsOfPull([run(1, title)], 12)).toEqual({ cancel: [run(1, title)] });
    expect(runsOfPull([run(1, title)], 1)).toEqual({ refuse: "no active Planwright run is for #1" });
  });
});
