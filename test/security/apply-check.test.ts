import { chmod, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  commitProblems,
  verifyCommitRange,
  verifyTaskCommit,
  withApplyCheck,
  type TaskCommitCheck,
} from "../../src/engine/apply-check.js";
import type { Workspace } from "../../src/engine/ports.js";
import { PolicyError } from "../../src/errors.js";
import { openWorkspace, type GitWorkspace } from "../../src/git/git-workspace.js";
import { planSchema, type Plan } from "../../src/plan/schema.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

const PLAN: Plan = planSchema.parse({
  version: 1,
  id: "7-harden",
  title: "Harden",
  request: "harden",
  policy: { paths: { allow: ["src/**", "test/**", "bin/**", ".gitmodules", "vendor/**", "docs/**"] } },
  phases: [
    {
      id: "p",
      title: "P",
      tasks: [
        { id: "code", title: "Code", run: "npm run build" },
        { id: "doc", title: "Doc", write: { path: "docs/a.md", content: "a" } },
      ],
    },
  ],
});
const BLOB = "0123456789abcdef0123456789abcdef01234567";
const task = (id: string) => PLAN.phases[0]!.tasks.find((t) => t.id === id)!;

let repo: TestRepo;
let ws: GitWorkspace;
let base: string;

afterEach(async () => {
  await repo?.cleanup();
});

async function setup(): Promise<void> {
  repo = await createTestRepo({ "README.md": "# x\n", "src/a.ts": "export const a = 1;\n" });
  ws = await openWorkspace(repo.dir);
  base = await ws.head();
}

/** Commits everything in the working tree as task `taskId` of PLAN (or with the given trailers). */
async function commitAs(taskId: string, trailers?: string[], stage = true): Promise<string> {
  if (stage) await repo.git("add", "-A");
  const lines = trailers ?? [
    `Planwright-Plan: ${PLAN.id}`,
    `Planwright-Task: ${taskId}`,
    `Planwright-Plan-Blob: ${BLOB}`,
  ];
  await repo.git("commit", "--quiet", "--allow-empty", "-m", `task ${taskId}`, "-m", lines.join("\n"));
  return repo.git("rev-parse", "HEAD");
}

function check(taskId = "code", more: Partial<TaskCommitCheck> = {}): TaskCommitCheck {
  return { expectedParent: base, task: task(taskId), plan: PLAN, planBlob: BLOB, ...more };
}

async function refusal(c: TaskCommitCheck = check()): Promise<string> {
  const error = await verifyTaskCommit(ws, c).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyError);
  const message = (error as PolicyError).message;
  expect(message).not.toContain("\n");
  expect(message).toContain("nothing was pushed");
  return message;
}

describe("verifyTaskCommit", () => {
  it("accepts a task commit on the expected head within the policy", async () => {
    await setup();
    await repo.write({ "src/a.ts": "export const a = 2;\n", "test/a.test.ts": "ok\n" });
    await commitAs("code");
    await expect(verifyTaskCommit(ws, check())).resolves.toBeUndefined();
  });

  it("refuses a commit touching a denied path, re-checked against the real diff", async () => {
    await setup();
    await repo.write({ "src/a.ts": "changed\n", ".github/workflows/ci.yml": "on: push\n" });
    await commitAs("code");
    const message = await refusal();
    expect(message).toMatch(/^refused to push commit [0-9a-f]{7} of task code: /);
    expect(message).toContain(
      '.github/workflows/ci.yml: denied by the built-in deny list ".github/workflows/**"',
    );
  });

  it("refuses a path outside the allow list", async () => {
    await setup();
    await repo.write({ "package.json": "{}\n" });
    await commitAs("code");
    expect(await refusal()).toContain("package.json: not in policy.paths.allow");
  });

  it("refuses a symlink to /etc/passwd and one that climbs out of the repository", async () => {
    await setup();
    await symlink("/etc/passwd", join(repo.dir, "src/passwd"));
    await symlink("../../../etc/shadow", join(repo.dir, "src/up"));
    await commitAs("code");
    const message = await refusal();
    expect(message).toContain('src/passwd: symbolic link to "/etc/passwd" points outside the repository');
    expect(message).toContain('src/up: symbolic link to "../../../etc/shadow" points outside the repository');
  });

  it("refuses a symlink into a protected path but accepts one inside the repository", async () => {
    await setup();
    await symlink("../.git/config", join(repo.dir, "src/cfg"));
    await commitAs("code");
    expect(await refusal()).toContain(
      'src/cfg: symbolic link to "../.git/config" (it resolves to ".git/config") points at a protected path',
    );
    await repo.git("reset", "--quiet", "--hard", base);
    await symlink("a.ts", join(repo.dir, "src/b.ts"));
    await commitAs("code");
    await expect(verifyTaskCommit(ws, check())).resolves.toBeUndefined();
  });

  it("refuses a .gitmodules change and a submodule entry, even where the policy allows the path", async () => {
    await setup();
    await repo.write({
      ".gitmodules": '[submodule "v"]\n\tpath = vendor/v\n\turl = https://example.com/v\n',
    });
    await repo.git("add", "-A");
    // a gitlink has no working-tree file, so `add -A` would drop it again
    await repo.git("update-index", "--add", "--cacheinfo", `160000,${base},vendor/v`);
    await commitAs("code", undefined, false);
    const message = await refusal();
    expect(message).toContain(".gitmodules: submodule configuration may not change");
    expect(message).toContain("vendor/v: submodules may not be added, changed or removed");
  });

  it("refuses a 50 MB file against the per-file and per-commit caps", async () => {
    await setup();
    await writeFile(join(repo.dir, "src/big.bin"), Buffer.alloc(50 * 1024 * 1024, 7));
    await commitAs("code");
    const message = await refusal();
    expect(message).toContain("it adds 50.0 MiB, more than the cap of 10.0 MiB");
    expect(message).toContain("src/big.bin: 50.0 MiB is larger than the per-file cap of 5.0 MiB");
  });

  it("refuses more files than the cap allows (caps are configurable)", async () => {
    await setup();
    await repo.write({ "src/1.ts": "1", "src/2.ts": "2", "src/3.ts": "3" });
    await commitAs("code");
    expect(await refusal(check("code", { caps: { maxFiles: 2 } }))).toContain(
      "it changes 3 files, more than the cap of 2",
    );
    await expect(verifyTaskCommit(ws, check("code", { caps: { maxFiles: 3 } }))).resolves.toBeUndefined();
  });

  it("refuses a commit whose parent is not the expected head, and merge commits", async () => {
    await setup();
    await repo.write({ "src/a.ts": "one\n" });
    const first = await commitAs("code");
    await repo.write({ "src/a.ts": "two\n" });
    await commitAs("code");
    expect(await refusal()).toContain(
      `its parent is ${first.slice(0, 7)}, not the expected branch head ${base.slice(0, 7)}`,
    );
    await expect(verifyTaskCommit(ws, check("code", { expectedParent: first }))).resolves.toBeUndefined();
  });

  it("sees through replace refs: the commit checked is the one a push would send", async () => {
    await setup();
    await repo.write({ "src/a.ts": "benign\n" });
    const benign = await commitAs("code");
    await repo.git("reset", "--quiet", "--hard", base);
    await repo.write({ ".github/workflows/evil.yml": "on: push\n" });
    const evil = await commitAs("code");
    await repo.git("replace", evil, benign);
    // git log and diff now show the benign commit in place of the evil one
    expect(await repo.git("show", "--name-only", "--format=", "HEAD")).toBe("src/a.ts");
    expect(await refusal()).toContain(".github/workflows/evil.yml: denied by the built-in deny list");
  });

  it("sees through a grafted parent that hides a commit from the history", async () => {
    await setup();
    await repo.write({ ".github/workflows/evil.yml": "on: push\n" });
    const evil = await commitAs("code");
    await repo.write({ "src/a.ts": "benign\n" });
    const head = await commitAs("code");
    await repo.git("replace", "--graft", head, base);
    const guarded = withApplyCheck(ws, { plan: PLAN, planBlob: BLOB, base });
    expect((await ws.history(base)).map((c) => c.sha)).toEqual([head]);
    // the real parent chain leads through the hidden commit, which is checked and refused
    await expect(guarded.push("origin", "main")).rejects.toThrow(
      `refused to push commit ${evil.slice(0, 7)} of task code: .github/workflows/evil.yml: denied`,
    );
    expect(await repo.git("ls-remote", "origin", "refs/heads/main")).toContain(base);
  });

  it("refuses wrong or missing trailers and a revert trailer on a task commit", async () => {
    await setup();
    await repo.write({ "src/a.ts": "x\n" });
    await commitAs("code", [
      `Planwright-Plan: other-plan`,
      `Planwright-Task: code`,
      `Planwright-Revert: code`,
    ]);
    const message = await refusal();
    expect(message).toContain('trailer Planwright-Plan is "other-plan", expected "7-harden"');
    expect(message).toContain(`trailer Planwright-Plan-Blob is missing (expected ${BLOB})`);
    expect(message).toContain("a task commit may not carry Planwright-Revert");
  });

  it("refuses a new executable bit outside the executable paths", async () => {
    await setup();
    await repo.write({ "src/run.ts": "x", "bin/tool": "#!/bin/sh\n" });
    await chmod(join(repo.dir, "src/run.ts"), 0o755);
    await chmod(join(repo.dir, "bin/tool"), 0o755);
    await commitAs("code");
    const message = await refusal();
    expect(message).toContain("src/run.ts: may not become executable outside bin/**, scripts/**, **/*.sh");
    expect(message).not.toContain("bin/tool");
  });

  it("holds a literal write without verification to its declared path", async () => {
    await setup();
    await repo.write({ "docs/a.md": "a", "docs/extra.md": "b" });
    await commitAs("doc");
    expect(await refusal(check("doc"))).toContain(
      "docs/extra.md: outside what task doc declares (write docs/a.md)",
    );
  });

  it("names at most five problems and counts the rest", async () => {
    await setup();
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`outside-${i}.txt`] = String(i);
    await repo.write(files);
    await commitAs("code");
    expect(await refusal()).toMatch(/; and 3 more; nothing was pushed$/);
  });
});

describe("commitProblems", () => {
  it("is empty for an empty commit of the right task (a /skip)", () => {
    const problems = commitProblems(
      {
        sha: "a".repeat(40),
        parents: ["b".repeat(40)],
        trailers: { "Planwright-Plan": PLAN.id, "Planwright-Task": "code" },
        changes: [],
      },
      { expectedParent: "b".repeat(40), task: task("code"), plan: PLAN },
    );
    expect(problems).toEqual([]);
  });
});

describe("withApplyCheck", () => {
  it("verifies each commit on top of the previous one, pushes, and refuses a foreign commit", async () => {
    await setup();
    const guarded = withApplyCheck(ws, { plan: PLAN, planBlob: BLOB, base });
    await repo.write({ "src/a.ts": "one\n" });
    await commitAs("code");
    await repo.write({ "src/b.ts": "two\n" });
    const second = await commitAs("code");
    await guarded.push("origin", "main");
    expect(await repo.git("ls-remote", "origin", "refs/heads/main")).toContain(second);

    await repo.write({ "src/c.ts": "three\n" });
    await commitAs("code", ["Signed-off-by: someone"]);
    await expect(guarded.push("origin", "main")).rejects.toThrow(
      /^refused to push commit [0-9a-f]{7}: it is not a commit of a task of plan 7-harden; nothing was pushed$/,
    );
    expect(await repo.git("ls-remote", "origin", "refs/heads/main")).toContain(second);
  });

  it("refuses a head that does not build on the base", async () => {
    await setup();
    await repo.write({ "src/a.ts": "one\n" });
    const first = await commitAs("code");
    await repo.git("checkout", "--quiet", "--orphan", "other");
    await repo.write({ "src/a.ts": "two\n" });
    const unrelated = await commitAs("code");
    await expect(verifyCommitRange(ws, { plan: PLAN, base: first, head: unrelated })).rejects.toThrow(
      `refused to push ${unrelated.slice(0, 7)}: it does not build on the expected branch head ${first.slice(0, 7)}; nothing was pushed`,
    );
    expect(await verifyCommitRange(ws, { plan: PLAN, base, head: first })).toEqual([first]);
    await repo.git("tag", "start", base);
    expect(await verifyCommitRange(ws, { plan: PLAN, base: "start", head: first })).toEqual([first]);
  });

  it("fails closed on a workspace that cannot inspect commits", async () => {
    await setup();
    await repo.write({ "src/a.ts": "one\n" });
    await commitAs("code");
    // only what the guard needs, and no inspectCommit
    const bare = {
      root: ws.root,
      head: () => ws.head(),
      history: (since?: string) => ws.history(since),
      push: (r: string, b: string) => ws.push(r, b),
    } as unknown as Workspace;
    const guarded = withApplyCheck(bare, { plan: PLAN, base });
    await expect(guarded.push("origin", "main")).rejects.toThrow(/cannot inspect commits/);
    expect(await repo.git("ls-remote", "origin", "refs/heads/main")).toContain(base);
  });
});
