import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/program.js";
import type { CliIO } from "../../src/cli/io.js";
import { planBlobOf } from "../../src/engine/plan-blob.js";
import { openWorkspace, type GitWorkspace } from "../../src/git/git-workspace.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

const PLAN = `version: 1
id: 7-demo
title: Demo plan
request: demo
phases:
  - id: one
    title: One
    mode: sequential
    tasks:
      - id: make-x
        title: Create x
        write: { path: x.txt, content: "x\\n" }
      - id: change-x
        title: Change x
        needs: [make-x]
        write: { path: x.txt, content: "x2\\n" }
      - id: make-y
        title: Create y
        write: { path: y.txt, content: "y\\n" }
`;
const PLAN_FILE = ".planwright/plans/7-demo.yaml";

function capture(cwd: string): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    isTTY: false,
    env: {},
    cwd,
  };
  return io;
}

describe("planwright status and rollback", () => {
  let repo: TestRepo;
  let ws: GitWorkspace;
  const blob = planBlobOf(PLAN);

  async function doTask(id: string, files: Record<string, string>): Promise<string> {
    await repo.write(files);
    const sha = await ws.commit({
      title: id,
      body: "",
      trailers: [
        ["Planwright-Plan", "7-demo"],
        ["Planwright-Task", id],
        ["Planwright-Plan-Blob", blob],
      ],
    });
    return sha!;
  }

  beforeEach(async () => {
    repo = await createTestRepo({ "README.md": "# r\n", [PLAN_FILE]: PLAN });
    ws = await openWorkspace(repo.dir);
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  it("status lists pending, done and reverted tasks with progress", async () => {
    const a = await doTask("make-x", { "x.txt": "x\n" });
    await doTask("change-x", { "x.txt": "x2\n" });
    const io = capture(repo.dir);
    expect(await main(["rollback", PLAN_FILE, "--task", "change-x"], io)).toBe(0);
    const status = capture(repo.dir);
    expect(await main(["status", PLAN_FILE], status)).toBe(0);
    const lines = status.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("7-demo: Demo plan");
    expect(lines[1]).toMatch(new RegExp(`^  done +${a.slice(0, 7)} +make-x +Create x$`));
    expect(lines[2]).toMatch(/^ {2}reverted +[0-9a-f]{7} +change-x +Change x$/);
    expect(lines[3]).toMatch(/^ {2}pending +make-y +Create y$/);
    expect(lines[4]).toBe("1/3 done");
    expect(status.stderr).toBe("");
  });

  it("status --json from another folder with --repo", async () => {
    const a = await doTask("make-x", { "x.txt": "x\n" });
    const io = capture(join(repo.dir, ".planwright"));
    expect(await main(["status", "plans/7-demo.yaml", "--repo", "..", "--json"], io)).toBe(0);
    const report = JSON.parse(io.stdout) as {
      done: number;
      total: number;
      tasks: unknown[];
      foreign: unknown[];
    };
    expect(report).toMatchObject({ plan: "7-demo", done: 1, total: 3, foreign: [] });
    expect(report.tasks[0]).toEqual({ id: "make-x", title: "Create x", status: "done", sha: a });
  });

  it("status warns about foreign commits", async () => {
    await doTask("make-x", { "x.txt": "x\n" });
    await repo.write({ "z.txt": "z\n" });
    await repo.git("add", "z.txt");
    await repo.git("commit", "-q", "-m", "manual fix");
    const io = capture(repo.dir);
    expect(await main(["status", PLAN_FILE], io)).toBe(0);
    expect(io.stdout).toMatch(
      /warning: 1 commit\(s\) on the branch are not Planwright task commits: [0-9a-f]{7} "manual fix"/,
    );
  });

  it("rollback reverts everything, restores the base tree and pushes", async () => {
    const base = await ws.tree();
    await doTask("make-x", { "x.txt": "x\n" });
    await doTask("change-x", { "x.txt": "x2\n" });
    await doTask("make-y", { "y.txt": "y\n" });
    const io = capture(repo.dir);
    const code = await main(["rollback", PLAN_FILE, "--push", "origin", "--branch", "planwright/7-demo"], io);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout.split("\n").slice(0, 3)).toEqual([
      expect.stringMatching(/^reverted make-y \([0-9a-f]{7}\) by [0-9a-f]{7} +Create y$/),
      expect.stringMatching(/^reverted change-x /),
      expect.stringMatching(/^reverted make-x /),
    ]);
    expect(io.stdout).toMatch(
      /rolled back 3 task\(s\); HEAD is [0-9a-f]{7}; pushed to origin\/planwright\/7-demo\n$/,
    );
    expect(await ws.tree()).toBe(base);
    expect(existsSync(join(repo.dir, "x.txt"))).toBe(false);
    const remote = await repo.git("ls-remote", "origin", "refs/heads/planwright/7-demo");
    expect(remote.split("\t")[0]).toBe(await ws.head());
  });

  it("rollback with nothing done says so", async () => {
    const io = capture(repo.dir);
    expect(await main(["rollback", PLAN_FILE], io)).toBe(0);
    expect(io.stdout).toBe("nothing to roll back: no task of 7-demo is done\n");
  });

  it("a conflicting rollback exits 1 with one line and changes nothing", async () => {
    await doTask("make-x", { "x.txt": "x\n" });
    await repo.write({ "x.txt": "hand edit\n" });
    await repo.git("commit", "-q", "-am", "hand edit");
    const head = await ws.head();
    const io = capture(repo.dir);
    expect(await main(["rollback", PLAN_FILE], io)).toBe(1);
    expect(io.stderr).toMatch(/^planwright: cannot roll back task make-x: .*conflicting files x\.txt.*\n$/);
    expect(io.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(await ws.head()).toBe(head);
    expect(await readFile(join(repo.dir, "x.txt"), "utf8")).toBe("hand edit\n");
  });

  it("resumes over a cosmetic edit with a warning, and reports a structural one as a conflict", async () => {
    await doTask("make-x", { "x.txt": "x\n" });
    await repo.write({ [PLAN_FILE]: PLAN.replace("title: Demo plan", "title: Edited plan") });
    const cosmetic = capture(repo.dir);
    expect(await main(["status", PLAN_FILE], cosmetic)).toBe(0);
    expect(cosmetic.stderr).toMatch(/^warning: .* only in fields that change no task .*: resuming$/m);
    await repo.write({ [PLAN_FILE]: PLAN.replace('content: "x2\\n"', 'content: "x3\\n"') });
    const io = capture(repo.dir);
    expect(await main(["status", PLAN_FILE], io)).toBe(1);
    expect(io.stderr).toMatch(/^planwright: the plan changed under the branch: task make-x was committed/m);
  });

  it("prints plan problems and exits 1 on an invalid plan", async () => {
    await repo.write({ "bad.yaml": "version: 1\nid: Bad Id\n" });
    const io = capture(repo.dir);
    expect(await main(["status", "bad.yaml"], io)).toBe(1);
    expect(io.stderr).toMatch(/^bad\.yaml:\d+:\d+: error: /m);
  });

  it("gives one-line usage errors", async () => {
    const missing = capture(repo.dir);
    expect(await main(["status", "nope.yaml"], missing)).toBe(2);
    expect(missing.stderr).toBe("planwright: nope.yaml: no such file\n");

    const notRepo = capture(repo.dir);
    expect(await main(["status", PLAN_FILE, "--repo", "../missing"], notRepo)).toBe(2);
    expect(notRepo.stderr).toMatch(/^planwright: no such directory: \S*missing\n$/);

    const half = capture(repo.dir);
    expect(await main(["rollback", PLAN_FILE, "--push", "origin"], half)).toBe(2);
    expect(half.stderr).toBe("planwright: --push and --branch go together: --push REMOTE --branch NAME\n");

    const unknown = capture(repo.dir);
    expect(await main(["rollback", PLAN_FILE, "--task", "nope"], unknown)).toBe(2);
    expect(unknown.stderr).toBe('planwright: plan 7-demo has no task "nope"\n');
  });
});
