/** The setup command (`npm ci` before the first task, in the sandbox): once, ignored files only. */
import { afterEach, describe, expect, it } from "vitest";
import { fixture, planInput, type Fixture } from "./executor-fixture.js";

const PLAN = planInput([
  {
    id: "p",
    title: "P",
    mode: "sequential",
    tasks: [{ id: "a", title: "A", run: "test -f deps/installed && echo a > a.txt" }],
  },
]);

describe("setup command", () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.repo.cleanup();
    f = undefined;
  });

  it("runs before the first task and may make ignored files", async () => {
    f = await fixture(PLAN, { ".gitignore": "deps/\n" });
    const result = await f.run({
      setup: "mkdir -p deps && touch deps/installed",
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(result.outcome, result.message).toBe("succeeded");
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["a"]);
  });

  it("stops the run when it fails or changes tracked files", async () => {
    f = await fixture(PLAN, { ".gitignore": "deps/\n" });
    const failed = await f.run({ setup: "echo broken >&2; exit 3", env: { PATH: process.env.PATH ?? "" } });
    expect(failed.outcome).toBe("failed");
    expect(failed.message).toMatch(/setup command "echo broken >&2; exit 3" exited with status 3:\nbroken/);
    const tracked = await f.run({ setup: "echo x > README.md", env: { PATH: process.env.PATH ?? "" } });
    expect(tracked.outcome).toBe("failed");
    expect(tracked.message).toMatch(/changed tracked files \(README.md\)/);
    expect(await f.taskCommits()).toEqual([]);
  });
});
