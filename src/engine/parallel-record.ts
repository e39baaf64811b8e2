/**
 * What a parallel phase has running outside the main working tree: the worktrees of its tasks and
 * the process groups of their commands. Kept in a small file under the git directory while the
 * phase runs, so that after a crash (SIGKILL, a lost runner) the next run stops the commands that
 * live on in their own process groups and removes the worktrees: nothing is left behind.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConflictError } from "../errors.js";
import type { Workspace } from "./ports.js";

interface Recorded {
  pid: number;
  groups: number[];
  worktrees: string[];
}

function recordPath(gitDir: string): string {
  return join(gitDir, "planwright", "parallel.json");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class ParallelRecord {
  private readonly groups = new Set<number>();
  private readonly worktrees = new Set<string>();
  private writes: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(private readonly gitDir: string) {}

  /** Notes a worktree made or a command started by a parallel task. */
  note(item: { group?: number; worktree?: string }): Promise<void> {
    if (item.group !== undefined && item.group > 1) this.groups.add(item.group);
    if (item.worktree !== undefined) this.worktrees.add(item.worktree);
    return this.save();
  }

  /** Forgets a worktree that was removed. */
  forget(worktree: string): Promise<void> {
    this.worktrees.delete(worktree);
    return this.save();
  }

  /** The phase is over: nothing of it runs any more. */
  clear(): Promise<void> {
    this.groups.clear();
    this.worktrees.clear();
    return this.save();
  }

  private save(): Promise<void> {
    const path = recordPath(this.gitDir);
    const empty = this.groups.size === 0 && this.worktrees.size === 0;
    const data: Recorded = { pid: process.pid, groups: [...this.groups], worktrees: [...this.worktrees] };
    const next = this.writes.then(async () => {
      if (empty) {
        await rm(path, { force: true });
        return;
      }
      await mkdir(join(this.gitDir, "planwright"), { recursive: true });
      const temp = `${path}.${process.pid}.${++this.seq}.tmp`;
      await writeFile(temp, JSON.stringify(data));
      await rename(temp, path);
    });
    this.writes = next.catch(() => undefined);
    return next;
  }

  /**
   * After a crash: stops the recorded commands and removes the recorded worktrees of a run that
   * is gone. Refuses while that run is still alive.
   */
  static async recover(gitDir: string, workspace: Workspace): Promise<void> {
    const path = recordPath(gitDir);
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text === undefined) return;
    let data: Partial<Recorded> = {};
    try {
      data = JSON.parse(text) as Partial<Recorded>;
    } catch {
      // cut short by the crash: nothing readable to stop
    }
    if (typeof data.pid === "number" && data.pid !== process.pid && data.pid > 0 && isAlive(data.pid)) {
      throw new ConflictError(
        `another planwright run (process ${data.pid}) is running a parallel phase here`,
      );
    }
    for (const group of data.groups ?? []) {
      if (typeof group !== "number" || group <= 1) continue;
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // long gone
      }
    }
    for (const worktree of data.worktrees ?? []) {
      if (typeof worktree === "string") await workspace.removeWorktree?.(worktree).catch(() => undefined);
    }
    await rm(path, { force: true });
  }
}
