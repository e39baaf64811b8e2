import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError } from "../../src/errors.js";
import { RunLock, markerPath } from "../../src/engine/run-lock.js";
import { openWorkspace } from "../../src/git/git-workspace.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

let repo: TestRepo | undefined;
afterEach(async () => {
  await repo?.cleanup();
  repo = undefined;
});

function exited(child: ReturnType<typeof spawn>): Promise<string | null> {
  return new Promise((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
}

async function writeMarker(gitDir: string, marker: Record<string, unknown>): Promise<void> {
  await mkdir(join(gitDir, "planwright"), { recursive: true });
  await writeFile(markerPath(gitDir), JSON.stringify(marker));
}

describe("RunLock", () => {
  it("writes the marker with the process group of the running command, and clears it", async () => {
    repo = await createTestRepo();
    const workspace = await openWorkspace(repo.dir);
    const lock = await RunLock.of(workspace);
    await lock.mark({ planId: "p", taskId: "t" });
    await lock.noteProcessGroup(4242);
    const marker = JSON.parse(await readFile(markerPath(await workspace.gitDir()), "utf8")) as Record<
      string,
      unknown
    >;
    expect(marker).toMatchObject({ pid: process.pid, planId: "p", taskId: "t", processGroup: 4242 });
    const late = lock.noteProcessGroup(5);
    await lock.clear();
    await late;
    await expect(readFile(markerPath(await workspace.gitDir()))).rejects.toThrow();
  });

  it("stops the dead run's command group before discarding its changes", async () => {
    repo = await createTestRepo();
    const workspace = await openWorkspace(repo.dir);
    const orphan = spawn("sh", ["-c", "sleep 30"], { detached: true, stdio: "ignore" });
    const gone = exited(orphan);
    await writeMarker(await workspace.gitDir(), {
      pid: 999_999_999,
      planId: "p",
      taskId: "t",
      startedAt: 0,
      processGroup: orphan.pid,
    });
    await writeFile(join(repo.dir, "half.txt"), "half");
    const lock = await RunLock.of(workspace);
    expect(await lock.recover(workspace)).toBe("t");
    expect(await gone).toBe("SIGKILL");
    expect(await workspace.changedPaths()).toEqual([]);
  });

  it("refuses while the run that wrote the marker is still alive", async () => {
    repo = await createTestRepo();
    const workspace = await openWorkspace(repo.dir);
    const other = spawn("sh", ["-c", "sleep 30"], { stdio: "ignore" });
    try {
      await writeMarker(await workspace.gitDir(), {
        pid: other.pid,
        planId: "p",
        taskId: "t9",
        startedAt: 0,
      });
      const lock = await RunLock.of(workspace);
      const recovering = lock.recover(workspace);
      await expect(recovering).rejects.toBeInstanceOf(ConflictError);
      await expect(recovering).rejects.toThrow(`another planwright run (process ${other.pid}, task t9)`);
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("treats a marker cut short by the crash as ours", async () => {
    repo = await createTestRepo();
    const workspace = await openWorkspace(repo.dir);
    const gitDir = await workspace.gitDir();
    await mkdir(join(gitDir, "planwright"), { recursive: true });
    await writeFile(markerPath(gitDir), '{"pid": 12');
    await writeFile(join(repo.dir, "README.md"), "half");
    expect(await (await RunLock.of(workspace)).recover(workspace)).toBe("?");
    expect(await workspace.changedPaths()).toEqual([]);
  });
});
