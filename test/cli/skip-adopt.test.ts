/**
 * The way out of a failed task in the CLI: the exact next commands after every failure and pause,
 * `planwright adopt` for a fix committed by hand (policy-checked, undone by rollback) and
 * `planwright skip`, and the configuration read from .github/planwright.yml.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/program.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

function memoryIO(cwd: string): CliIO & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: false,
    env: { PATH: process.env["PATH"], NO_COLOR: "1" },
    cwd,
    stdout: () => out,
    stderr: () => err,
  };
}

const FILE = ".planwright/plans/9-fix.yaml";
const PLAN = `version: 1
id: 9-fix
title: Fix by hand
request: fix
policy: { paths: { allow: ["src/**", "*.txt"] } }
phases:
  - id: one
    tasks:
      - id: first
        title: First
        write: { path: first.txt, content: "1\\n" }
      - id: needs-fix
        title: Needs a fix
        run: mkdir -p src && echo attempt > src/attempt.txt
        verify: test -f src/fixed.txt
        retries: 0
      - id: last
        title: Last
        write: { path: last.txt, content: "3\\n" }
`;

let repo: TestRepo | undefined;
afterEach(async () => {
  await repo?.cleanup();
  repo = undefined;
});

async function setup(plan = PLAN, extra: Record<string, string> = {}): Promise<TestRepo> {
  repo = await createTestRepo();
  await repo.write({ [FILE]: plan, ...extra });
  await repo.git("add", "-A");
  await repo.git("commit", "-qm", "add plan");
  return repo;
}

async function commitByHand(r: TestRepo, files: Record<string, string>, subject: string): Promise<string> {
  await r.write(files);
  await r.git("add", "-A");
  await r.git("commit", "-qm", subject);
  return r.git("rev-parse", "HEAD");
}

describe("fixing a task by hand", () => {
  it("prints the next commands, adopts the hand-made commit, goes on, and rolls it back", async () => {
    const r = await setup();
    const io = memoryIO(r.dir);
    expect(await main(["run", FILE], io)).toBe(1);
    expect(io.stderr()).toContain(`planwright run ${FILE}    #`);
    expect(io.stderr()).toContain(`planwright adopt ${FILE} needs-fix    #`);
    expect(io.stderr()).toContain(`planwright skip ${FILE} needs-fix    #`);

    const hand = await commitByHand(r, { "src/fixed.txt": "fixed\n" }, "fix by hand");
    const adopt = memoryIO(r.dir);
    expect(await main(["adopt", FILE, "needs-fix"], adopt)).toBe(0);
    expect(adopt.stdout()).toContain(`adopted needs-fix (commit ${hand.slice(0, 7)})`);
    expect(adopt.stdout()).toContain(`planwright run ${FILE}`);
    // adopting twice is refused: the task is done
    expect(await main(["adopt", FILE, "needs-fix"], memoryIO(r.dir))).toBe(2);

    const again = memoryIO(r.dir);
    expect(await main(["run", FILE, "--json"], again)).toBe(0);
    const result = JSON.parse(again.stdout()) as {
      outcome: string;
      next: string[];
      tasks: { id: string; status: string }[];
    };
    expect(result.outcome).toBe("succeeded");
    expect(result.next).toEqual([]);
    expect(result.tasks.map((t) => t.status)).toEqual(["done", "done", "done"]);

    const status = memoryIO(r.dir);
    expect(await main(["status", FILE, "--json"], status)).toBe(0);
    expect((JSON.parse(status.stdout()) as { foreign: unknown[] }).foreign).toEqual([]);

    expect(await main(["rollback", FILE], memoryIO(r.dir))).toBe(0);
    expect(await r.git("ls-files", "src/fixed.txt", "first.txt", "last.txt")).toBe("");
  });

  it("refuses to adopt a commit that changes a path the policy does not allow, or a Planwright commit", async () => {
    const r = await setup();
    await main(["run", FILE], memoryIO(r.dir));
    await commitByHand(r, { "src/fixed.txt": "fixed\n", "deploy/secret.sh": "evil\n" }, "fix and more");
    const io = memoryIO(r.dir);
    expect(await main(["adopt", FILE, "needs-fix"], io)).toBe(1);
    expect(io.stderr()).toMatch(
      /cannot be adopted as task needs-fix: writing "deploy\/secret.sh" is not allowed/,
    );
    const first = (await r.git("log", "--format=%H", "--grep=Planwright-Task: first")).trim();
    const io2 = memoryIO(r.dir);
    expect(await main(["adopt", FILE, "needs-fix", first], io2)).toBe(2);
    expect(io2.stderr()).toMatch(/already a Planwright commit/);
    const io3 = memoryIO(r.dir);
    expect(await main(["adopt", FILE, "needs-fix", "0123456789abcdef"], io3)).toBe(2);
    expect(io3.stderr()).toMatch(/is not a commit of this branch/);
  });

  it("applies the configuration's deny list to adopt, read from the default branch's version", async () => {
    const r = await setup(PLAN, {
      ".github/planwright.yml": 'policy: { paths: { deny: ["src/fixed.txt"] } }\n',
    });
    await main(["run", FILE], memoryIO(r.dir));
    await commitByHand(r, { "src/fixed.txt": "fixed\n" }, "fix by hand");
    const io = memoryIO(r.dir);
    expect(await main(["adopt", FILE, "needs-fix"], io)).toBe(1);
    expect(io.stderr()).toMatch(/src\/fixed\.txt/);
  });

  it("skips a task (the only plan is found without naming it) and the run goes on", async () => {
    const r = await setup();
    await main(["run", FILE], memoryIO(r.dir));
    const io = memoryIO(r.dir);
    expect(await main(["skip", "needs-fix", "--json"], io)).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ action: "skipped", taskId: "needs-fix" });
    expect(await main(["run", FILE], memoryIO(r.dir))).toBe(0);
    expect(await r.git("log", "--format=%s", "-3")).toBe('Last\nSkip "Needs a fix"\nFirst');
    const bad = memoryIO(r.dir);
    expect(await main(["skip", FILE, "nope"], bad)).toBe(2);
    expect(bad.stderr()).toContain('has no task "nope"');
  });

  it("says --continue with the exact command at a pause", async () => {
    const r = await setup(
      PLAN.replace("        retries: 0\n", "        retries: 0\n        checkpoint: true\n").replace(
        "verify: test -f src/fixed.txt",
        'verify: "true"',
      ),
    );
    const io = memoryIO(r.dir);
    expect(await main(["run", FILE], io), io.stderr()).toBe(3);
    expect(io.stdout()).toContain(`planwright run ${FILE} --continue    # confirm and go on`);
  });

  it("stops at a configuration error, with its position", async () => {
    const r = await setup(PLAN, { ".github/planwright.yml": "execution: { concurency: 2 }\n" });
    const io = memoryIO(r.dir);
    expect(await main(["run", FILE], io)).toBe(2);
    expect(io.stderr()).toMatch(/\.github\/planwright\.yml:1:\d+: error: .*concurency/);
  });
});
