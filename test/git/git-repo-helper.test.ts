import { afterEach, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { cloneTestRepo, createTestRepo, type TestRepo } from "../helpers/git-repo.js";

describe("createTestRepo", () => {
  let repo: TestRepo | undefined;
  afterEach(async () => {
    await repo?.cleanup();
    repo = undefined;
  });

  it("creates main with the files committed and pushed to a bare origin", async () => {
    repo = await createTestRepo({ "a.txt": "A\n", "src/b.ts": "export {};\n" });
    expect(await repo.git("rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(await repo.git("ls-files")).toBe("a.txt\nsrc/b.ts");
    expect(await repo.git("status", "--porcelain")).toBe("");
    const remoteHead = await repo.git("ls-remote", "origin", "refs/heads/main");
    expect(remoteHead.split("\t")[0]).toBe(await repo.git("rev-parse", "HEAD"));
    expect(await readFile(join(repo.dir, "a.txt"), "utf8")).toBe("A\n");
  });

  it("clones the remote as another person", async () => {
    repo = await createTestRepo();
    const other = await cloneTestRepo(repo.remote);
    try {
      await other.write({ "x.txt": "x\n" });
      await other.git("add", "x.txt");
      await other.git("commit", "-m", "other change");
      expect(await other.git("log", "-1", "--format=%an")).toBe("Other Person");
    } finally {
      await other.cleanup();
    }
  });
});
