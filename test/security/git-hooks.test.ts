import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixture, planInput, type Fixture } from "../engine/executor-fixture.js";

// A task command plants hooks and an fsmonitor command in .git/, hoping the engine's own git
// commands (commit, status, worktree, cherry-pick) run them with the engine's environment.
const PLANT = `
import { chmodSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
const marker = process.argv[2];
const script = "#!/bin/sh\\necho \\"$0\\" >> " + JSON.stringify(marker) + "\\nexit 0\\n";
for (const hook of ["post-commit", "post-checkout", "reference-transaction", "post-rewrite", "pre-commit", "prepare-commit-msg", "commit-msg"]) {
  writeFileSync(".git/hooks/" + hook, script);
  chmodSync(".git/hooks/" + hook, 0o755);
}
writeFileSync(".git/fsmonitor.sh", script);
chmodSync(".git/fsmonitor.sh", 0o755);
execFileSync("git", ["config", "core.fsmonitor", ".git/fsmonitor.sh"]);
writeFileSync("planted.txt", "done\\n");
`;

let fx: Fixture | undefined;
let trap: string | undefined;
afterEach(async () => {
  await fx?.repo.cleanup();
  if (trap) await rm(trap, { recursive: true, force: true });
  fx = trap = undefined;
});

describe("git hooks planted by task commands", () => {
  it("never run during the engine's own git commands", async () => {
    trap = await mkdtemp(join(tmpdir(), "planwright-trap-"));
    const marker = join(trap, "ran.txt");
    fx = await fixture(
      planInput([
        {
          id: "plant",
          title: "Plant",
          tasks: [{ id: "plant", title: "Plant hooks", run: `node plant.mjs ${marker}` }],
        },
        {
          id: "par",
          title: "Parallel",
          mode: "parallel",
          tasks: [
            { id: "a", title: "A", write: { path: "a.txt", content: "a\n" } },
            { id: "b", title: "B", run: "echo b > b.txt" },
          ],
        },
      ]),
      { "README.md": "# x\n", "plant.mjs": PLANT },
    );
    const result = await fx.run();
    // the task that planted them is refused and the hooks put back before any git of ours ran
    expect(result.outcome).toBe("failed");
    expect(result.message).toMatch(
      /task plant changed the repository's own git configuration \(.*\.git\/hooks\/pre-commit.*\); no task may change \.git/,
    );
    expect(await readdir(trap)).toEqual([]);
    // and they are gone: git run the ordinary way runs none of them
    await fx.repo.git("commit", "--quiet", "--allow-empty", "-m", "by hand");
    expect(await readdir(trap)).toEqual([]);
  });
});
