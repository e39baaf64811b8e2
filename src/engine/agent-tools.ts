/**
 * The tools an `edit` task's model works with, over one task's working tree. The plan's path
 * policy is enforced on every call in code: the model may read anything but denied files, and may
 * write or delete only what the policy allows. Symbolic links that lead outside the tree are refused
 * so a link committed earlier cannot become a way out.
 */
import { lstat, mkdir, readFile, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { PolicyError, UsageError } from "../errors.js";
import { checkPath, type MergedPolicy } from "../plan/policy.js";
import { checkTaskPath, type Protection } from "../plan/task-scope.js";
import type { AgentTools, CommandResult } from "./ports.js";

export interface AgentToolsOptions {
  /** Absolute path of the task's working tree. */
  root: string;
  policy: MergedPolicy;
  extraDeny?: readonly string[];
  /** Protected paths and the plan file, for this task. */
  protection?: Protection;
  /** Runs the task's verification in this tree. */
  runVerify: () => Promise<CommandResult>;
  /** Files larger than this are not read whole nor searched (1 MiB by default). */
  maxFileBytes?: number;
}

const MAX_LIST = 5_000;
const MAX_HITS = 200;
/** Folders never listed or searched: git's own, and dependency trees that would drown the model. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);

/** Checks a path for writing; returns the normalised path or throws PolicyError with the reason. */
export function checkWritePath(
  path: string,
  policy: MergedPolicy,
  extraDeny: readonly string[] = [],
  protection?: Protection,
): string {
  const verdict = checkTaskPath(path, policy.paths, extraDeny, protection);
  if (!verdict.ok || verdict.path === undefined) {
    throw new PolicyError(`writing ${JSON.stringify(path)} is not allowed: ${verdict.reason ?? "refused"}`);
  }
  return verdict.path;
}

/** Reading only honours the deny lists: the model may look at code it must not change. */
function checkReadPath(path: string, policy: MergedPolicy, extraDeny: readonly string[]): string {
  const deny = policy.paths?.deny;
  const verdict = checkPath(path, deny ? { deny } : undefined, extraDeny);
  if (!verdict.ok || verdict.path === undefined) {
    throw new PolicyError(`reading ${JSON.stringify(path)} is not allowed: ${verdict.reason ?? "refused"}`);
  }
  return verdict.path;
}

/** Real paths of working-tree roots; a root does not move while a run uses it. */
const realRoots = new Map<string, string>();

/** Resolves `path` under `root`, refusing when an existing part of it is a link out of the tree. */
export async function resolveInside(root: string, path: string): Promise<string> {
  return (await resolveReal(root, path)).full;
}

/**
 * `path` under `root`, and where it really lands: the nearest existing ancestor's real path plus
 * the rest, relative to the tree's real root (POSIX). Refuses a path that leads out of the tree.
 */
export async function resolveReal(root: string, path: string): Promise<{ full: string; real: string }> {
  const full = join(root, path);
  let realRoot = realRoots.get(root);
  if (realRoot === undefined) {
    realRoot = await realpath(root);
    if (realRoots.size > 100) realRoots.clear();
    realRoots.set(root, realRoot);
  }
  let probe = full;
  let rest: string[] = [];
  // the nearest existing ancestor decides where the path really lands
  for (;;) {
    const real = await realpath(probe).catch(() => undefined);
    if (real !== undefined) {
      if (real !== realRoot && !real.startsWith(realRoot + sep)) {
        throw new PolicyError(
          `${JSON.stringify(path)} leads outside the working tree through a symbolic link`,
        );
      }
      const inside = relative(realRoot, real)
        .split(sep)
        .filter((s) => s !== "");
      return { full, real: [...inside, ...rest].join("/") };
    }
    const parent = dirname(probe);
    if (parent === probe) break;
    rest = [basename(probe), ...rest];
    probe = parent;
  }
  return { full, real: path };
}

/** Refuses a path that, through links in the tree, really lands somewhere the task may not write. */
function checkLanding(path: string, real: string, options: WriteChecks): void {
  if (real === path) return;
  const verdict = checkTaskPath(real, options.policy.paths, options.extraDeny ?? [], options.protection);
  if (!verdict.ok) {
    throw new PolicyError(
      `writing ${JSON.stringify(path)} is not allowed: through a symbolic link it is ${JSON.stringify(real)}, and ${verdict.reason ?? "refused"}`,
    );
  }
}

/** Where an entry at `path` really is: its folder resolved through links, then its own name. */
async function landingOf(root: string, path: string): Promise<string> {
  const parent = dirname(path);
  if (parent === ".") return path;
  const { real } = await resolveReal(root, parent);
  return real === "" ? basename(path) : `${real}/${basename(path)}`;
}

interface WriteChecks {
  policy: MergedPolicy;
  extraDeny?: readonly string[];
  protection?: Protection | undefined;
}

/** Writes a file (creating folders), after the policy and link checks. */
export async function writeTreeFile(
  root: string,
  path: string,
  content: string,
  policy: MergedPolicy,
  extraDeny: readonly string[] = [],
  protection?: Protection,
): Promise<void> {
  const clean = checkWritePath(path, policy, extraDeny, protection);
  const full = await resolveInside(root, clean);
  checkLanding(clean, await landingOf(root, clean), { policy, extraDeny, protection });
  const info = await lstat(full).catch(() => undefined);
  if (info?.isSymbolicLink()) await rm(full);
  if (info?.isDirectory()) throw new UsageError(`cannot write ${clean}: it is a folder`);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, content);
}

/** Deletes a file or folder, after the policy and link checks; false when nothing was there. */
export async function deleteTreeFile(
  root: string,
  path: string,
  policy: MergedPolicy,
  extraDeny: readonly string[] = [],
  protection?: Protection,
): Promise<boolean> {
  const clean = checkWritePath(path, policy, extraDeny, protection);
  // the entry itself may be a link (removing a link is harmless); its folder must be inside, and
  // where the entry really is must be deletable too
  checkLanding(clean, await landingOf(root, clean), { policy, extraDeny, protection });
  const full = join(root, clean);
  const info = await lstat(full).catch(() => undefined);
  if (!info) return false;
  await rm(full, { recursive: true, force: true });
  return true;
}

async function* walk(root: string, dir = ""): AsyncGenerator<string> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* walk(root, rel);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      yield rel;
    }
  }
}

/** AgentTools over `options.root`. Every refusal is a PolicyError the model adapter shows the model. */
export function createAgentTools(options: AgentToolsOptions): AgentTools {
  const { root, policy, protection } = options;
  const extraDeny = options.extraDeny ?? [];
  const maxBytes = options.maxFileBytes ?? 1024 * 1024;
  const readable = (path: string) =>
    checkPath(path, policy.paths?.deny ? { deny: policy.paths.deny } : undefined, extraDeny).ok;

  async function listFiles(glob?: string): Promise<string[]> {
    const match = glob ? picomatch(glob, { dot: true }) : () => true;
    const out: string[] = [];
    for await (const path of walk(root)) {
      if (!match(path) || !readable(path)) continue;
      out.push(path);
      if (out.length >= MAX_LIST) break;
    }
    return out;
  }

  return {
    async readFile(path, range) {
      const clean = checkReadPath(path, policy, extraDeny);
      const full = await resolveInside(root, clean);
      const info = await lstat(full).catch(() => undefined);
      if (!info?.isFile()) throw new UsageError(`no such file: ${clean}`);
      if (info.size > maxBytes && !range) {
        throw new UsageError(`${clean} is ${info.size} bytes; read it in line ranges`);
      }
      const text = await readFile(full, "utf8");
      if (!range) return text;
      const lines = text.split("\n");
      const start = Math.max(1, range.startLine ?? 1);
      const end = Math.min(lines.length, range.endLine ?? lines.length);
      return lines.slice(start - 1, end).join("\n");
    },
    listFiles,
    async search(pattern, glob) {
      let regex: RegExp;
      try {
        regex = new RegExp(pattern);
      } catch (error) {
        throw new UsageError(`invalid search pattern: ${(error as Error).message}`);
      }
      const hits: { path: string; line: number; text: string }[] = [];
      for (const path of await listFiles(glob)) {
        const full = join(root, path);
        const info = await lstat(full).catch(() => undefined);
        if (!info?.isFile() || info.size > maxBytes) continue;
        const text = await readFile(full, "utf8");
        if (text.includes("\u0000")) continue;
        const lines = text.split("\n");
        for (let i = 0; i < lines.length && hits.length < MAX_HITS; i++) {
          const line = lines[i] ?? "";
          if (regex.test(line)) hits.push({ path, line: i + 1, text: line.slice(0, 500) });
        }
        if (hits.length >= MAX_HITS) break;
      }
      return hits;
    },
    writeFile: (path, content) => writeTreeFile(root, path, content, policy, extraDeny, protection),
    async deleteFile(path) {
      if (!(await deleteTreeFile(root, path, policy, extraDeny, protection))) {
        throw new UsageError(`no such file: ${path}`);
      }
    },
    runVerify: options.runVerify,
  };
}
