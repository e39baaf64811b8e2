/**
 * The repository's own git configuration is never a task's to change. A task that sets
 * `core.hooksPath`, `core.fsmonitor` or an alias in `.git/config`, drops a hook into `.git/hooks`
 * or rewrites `.git/info/attributes` or `info/exclude` would have git run its code in the next
 * step that holds a credential, or hide files from the apply-time check. So the configuration,
 * hooks and info of the git directory are recorded before each task attempt, compared after it,
 * and on any difference put back, and the attempt fails as a policy failure naming what changed.
 * The sandbox (read-only `.git`) is the boundary; this is the check that holds without it.
 */
import { lstat, mkdir, readFile, readdir, readlink, rm, symlink, writeFile, chmod } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { PolicyError } from "../errors.js";

/** What is watched, relative to the common git directory (and to a worktree's own one). */
const WATCHED = ["config", "config.worktree", "hooks", "info"];
/** Bounds on what one snapshot holds; a git directory with more is refused rather than half-watched. */
const MAX_ENTRIES = 2_000;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

type Entry =
  | { kind: "file"; mode: number; content: Buffer }
  | { kind: "link"; target: string }
  | { kind: "dir"; mode: number };

/** The recorded state of the watched parts of one git directory. */
export class GitDirGuard {
  private constructor(
    private readonly roots: string[],
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Records the watched parts of `gitDir` and, for a linked worktree, of its common directory. */
  static async take(gitDir: string): Promise<GitDirGuard> {
    const common = await commonDirOf(gitDir);
    const roots = [...new Set([common, gitDir])];
    return new GitDirGuard(roots, await snapshot(roots));
  }

  /**
   * Compares with the recorded state; on any difference restores it and returns the PolicyError
   * to fail the attempt with (undefined when nothing changed).
   */
  async check(taskId: string): Promise<PolicyError | undefined> {
    const now = await snapshot(this.roots).catch(() => undefined);
    const changed = now ? differences(this.entries, now) : ["the git directory (unreadable)"];
    if (changed.length === 0) return undefined;
    const restored = await this.restore(now ?? new Map()).then(
      () => "they were put back",
      (error: unknown) => `putting them back failed (${(error as Error).message})`,
    );
    const shown = changed.slice(0, 8).map((p) => `.git/${p}`);
    const more = changed.length > 8 ? ` and ${changed.length - 8} more` : "";
    return new PolicyError(
      `task ${taskId} changed the repository's own git configuration (${shown.join(", ")}${more}); no task may change .git config, hooks or info; ${restored} and nothing was committed`,
    );
  }

  private async restore(now: Map<string, Entry>): Promise<void> {
    for (const key of [...now.keys()].sort().reverse()) {
      if (!this.entries.has(key)) await rm(this.pathOf(key), { recursive: true, force: true });
    }
    for (const [key, entry] of [...this.entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const path = this.pathOf(key);
      const current = now.get(key);
      if (current && same(current, entry)) continue;
      if (current) await rm(path, { recursive: true, force: true });
      await mkdir(dirname(path), { recursive: true });
      if (entry.kind === "dir") await mkdir(path, { recursive: true, mode: entry.mode });
      else if (entry.kind === "link") await symlink(entry.target, path);
      else {
        await writeFile(path, entry.content);
        await chmod(path, entry.mode);
      }
    }
  }

  private pathOf(key: string): string {
    const [index, ...rest] = key.split("/");
    return join(this.roots[Number(index?.replace(/^#/, ""))] ?? "", ...rest);
  }
}

/** The common directory of a linked worktree's git directory (the git directory itself otherwise). */
async function commonDirOf(gitDir: string): Promise<string> {
  const text = await readFile(join(gitDir, "commondir"), "utf8").catch(() => undefined);
  if (text === undefined) return gitDir;
  const dir = text.trim();
  return isAbsolute(dir) ? dir : resolve(gitDir, dir);
}

async function snapshot(roots: readonly string[]): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  for (const [index, root] of roots.entries()) {
    for (const name of WATCHED) await record(out, root, `#${index}`, name);
  }
  return out;
}

async function record(out: Map<string, Entry>, root: string, prefix: string, rel: string): Promise<void> {
  const full = join(root, rel);
  const info = await lstat(full).catch(() => undefined);
  if (!info) return;
  if (out.size >= MAX_ENTRIES)
    throw new PolicyError(`the git directory holds more than ${MAX_ENTRIES} hooks and info files`);
  const key = `${prefix}/${rel.split(sep).join("/")}`;
  if (info.isSymbolicLink()) out.set(key, { kind: "link", target: await readlink(full) });
  else if (info.isDirectory()) {
    out.set(key, { kind: "dir", mode: info.mode & 0o7777 });
    for (const name of (await readdir(full)).sort()) await record(out, root, prefix, join(rel, name));
  } else if (info.size > MAX_FILE_BYTES) {
    throw new PolicyError(`.git/${relative(root, full)} is larger than ${MAX_FILE_BYTES} bytes`);
  } else {
    out.set(key, { kind: "file", mode: info.mode & 0o7777, content: await readFile(full) });
  }
}

function same(a: Entry, b: Entry): boolean {
  if (a.kind === "file" && b.kind === "file") return a.mode === b.mode && a.content.equals(b.content);
  if (a.kind === "link" && b.kind === "link") return a.target === b.target;
  if (a.kind === "dir" && b.kind === "dir") return a.mode === b.mode;
  return false;
}

/** Keys added, removed or changed, shown without the root index. */
function differences(before: Map<string, Entry>, after: Map<string, Entry>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    const a = before.get(key);
    const b = after.get(key);
    if (a && b && same(a, b)) continue;
    out.push(key.replace(/^#\d+\//, ""));
  }
  return [...new Set(out)];
}
