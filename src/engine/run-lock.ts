/**
 * The run marker: a small file under the git directory that says "a Planwright task is changing
 * this working tree right now". It is written before a task touches the tree and removed after its
 * commit, so after a crash it tells our own half-done task (safe to discard) apart from a person's
 * uncommitted work (never touched).
 */
import { mkdir, readFile, readdir, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConflictError } from "../errors.js";
import type { Workspace } from "./ports.js";

export interface RunMarker {
  pid: number;
  planId: string;
  taskId: string;
  startedAt: number;
  /** Process group of the task's latest command: stopped on recovery, it could still be writing. */
  processGroup?: number;
}

export function markerPath(gitDir: string): string {
  return join(gitDir, "planwright", "run.json");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readMarker(path: string): Promise<RunMarker | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RunMarker>;
    return typeof value.pid === "number" ? (value as RunMarker) : undefined;
  } catch {
    // a marker cut short by the crash still proves the crash was ours
    return { pid: -1, planId: "?", taskId: "?", startedAt: 0 };
  }
}

/** Writes and removes the marker of one working tree. */
export class RunLock {
  private readonly path: string;
  private dirReady = false;
  private current: RunMarker | undefined;
  /** Marker writes in order, so a late write cannot bring back a cleared marker. */
  private writes: Promise<unknown> = Promise.resolve();
  private constructor(private readonly gitDir: string) {
    this.path = markerPath(gitDir);
  }

  static async of(workspace: Workspace): Promise<RunLock> {
    return new RunLock(await workspace.gitDir());
  }

  async mark(marker: Omit<RunMarker, "pid" | "startedAt">): Promise<void> {
    if (!this.dirReady) await mkdir(join(this.path, ".."), { recursive: true });
    this.dirReady = true;
    this.current = { pid: process.pid, startedAt: Date.now(), ...marker };
    await this.write(this.current);
  }

  /** Records the process group of the command the marked task just started. */
  noteProcessGroup(processGroup: number): Promise<void> {
    if (!this.current) return Promise.resolve();
    this.current = { ...this.current, processGroup };
    return this.write(this.current);
  }

  private write(marker: RunMarker | undefined): Promise<void> {
    const next = this.writes.then(() =>
      marker ? writeFile(this.path, JSON.stringify(marker)) : rm(this.path, { force: true }),
    );
    this.writes = next.catch(() => undefined);
    return next;
  }

  /**
   * Removes the lock files a killed git leaves behind (`index.lock`, `HEAD.lock`, a branch's ref
   * lock, …). Called only when the marker proves that the process that held them, ours, is gone.
   */
  private async removeStaleLocks(): Promise<void> {
    const top = await readdir(this.gitDir).catch(() => [] as string[]);
    for (const name of top) {
      if (name.endsWith(".lock")) await unlink(join(this.gitDir, name)).catch(() => undefined);
    }
    const refs = await readdir(join(this.gitDir, "refs"), { recursive: true }).catch(() => [] as string[]);
    for (const name of refs) {
      if (name.endsWith(".lock")) await unlink(join(this.gitDir, "refs", name)).catch(() => undefined);
    }
  }

  async clear(): Promise<void> {
    this.current = undefined;
    await this.write(undefined);
  }

  /**
   * Makes the working tree safe to run in. A clean tree is fine. A dirty one is cleaned only when
   * the marker shows our own task was interrupted there (its process is gone); then a stale
   * lock files left by the killed git are removed too. Otherwise it refuses, naming the files.
   * Resolves to the id of the interrupted task that was discarded, if any.
   */
  async recover(workspace: Workspace): Promise<string | undefined> {
    const marker = await readMarker(this.path);
    if (marker && marker.pid !== process.pid && marker.pid > 0 && isAlive(marker.pid)) {
      throw new ConflictError(
        `another planwright run (process ${marker.pid}, task ${marker.taskId}) is working in this repository`,
      );
    }
    if (marker) {
      // a command of the dead run may live on in its own process group and keep writing
      if (marker.processGroup !== undefined && marker.processGroup > 1) {
        try {
          process.kill(-marker.processGroup, "SIGKILL");
        } catch {
          // long gone
        }
      }
      await this.removeStaleLocks();
    }
    const changed = await workspace.changedPaths();
    if (changed.length === 0) {
      await this.clear();
      return undefined;
    }
    if (!marker) {
      const shown =
        changed.slice(0, 5).join(", ") + (changed.length > 5 ? `, … (${changed.length} in all)` : "");
      throw new ConflictError(
        `the working tree has uncommitted changes; commit or stash them first (${shown})`,
      );
    }
    await workspace.discard();
    await this.clear();
    return marker.taskId;
  }
}
