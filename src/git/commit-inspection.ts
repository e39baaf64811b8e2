/**
 * Reads what a commit really changes (modes, sizes, symlink targets) from git's object database,
 * for apply-time verification: the check looks at the objects that would be pushed, not at the
 * working tree or at what the plan says a task does.
 */
import type { CommitFileChange, CommitInspection } from "../engine/ports.js";
import { PlanwrightError } from "../errors.js";
import type { GitResult } from "./run-git.js";
import { parseTrailers } from "./trailers.js";

/** Runs one git command in the repository being inspected. */
export type GitRunner = (args: readonly string[], options?: { input?: string }) => Promise<GitResult>;

/** The tree of no files: the "parent" of a root commit. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const STATUSES = new Set(["A", "M", "D", "T"]);

/**
 * Describes commit `rev` against its first parent. Replace refs and grafts are ignored (untrusted
 * code could have written them to make a commit look like another): parents, tree and message come
 * from the raw commit object, which is what a push sends.
 */
export async function inspectCommit(git: GitRunner, rev: string): Promise<CommitInspection> {
  const real = (args: readonly string[], options?: { input?: string }) =>
    git(["--no-replace-objects", ...args], options);
  const sha = (
    await real(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`])
  ).stdout.trim();
  const { parents, message } = parseCommitObject((await real(["cat-file", "commit", sha])).stdout);
  const base = parents[0] ?? EMPTY_TREE;
  const raw = await real([
    "diff-tree",
    "-r",
    "-z",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--raw",
    base,
    sha,
  ]);
  const entries = parseRawDiff(raw.stdout);
  const blobs = entries.filter((e) => e.status !== "D" && e.newMode !== "160000").map((e) => e.newSha);
  const sizes = await blobSizes(real, blobs);
  const changes: CommitFileChange[] = [];
  for (const e of entries) {
    const change: CommitFileChange = {
      path: e.path,
      status: e.status,
      oldMode: e.oldMode,
      newMode: e.newMode,
      size: e.status === "D" || e.newMode === "160000" ? 0 : (sizes.get(e.newSha) ?? 0),
    };
    if (e.newMode === "120000") change.linkTarget = (await real(["cat-file", "blob", e.newSha])).stdout;
    changes.push(change);
  }
  return { sha, parents, trailers: trailersOf(message), changes };
}

/** Parents and message of a raw commit object (`git cat-file commit`). */
export function parseCommitObject(text: string): { parents: string[]; message: string } {
  const split = text.indexOf("\n\n");
  const header = split === -1 ? text : text.slice(0, split);
  const parents = header
    .split("\n")
    .filter((line) => line.startsWith("parent "))
    .map((line) => line.slice("parent ".length).trim());
  return { parents, message: split === -1 ? "" : text.slice(split + 2) };
}

/** The trailers of a message: its last paragraph when every line of it is `Key: value`. */
export function trailersOf(message: string): Record<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? (paragraphs[paragraphs.length - 1] ?? "") : "";
  const lines = last.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0 || !lines.every((l) => /^[A-Za-z][A-Za-z0-9-]*:\s/.test(l))) return {};
  return parseTrailers(lines.join("\n"));
}

interface RawEntry {
  oldMode: string;
  newMode: string;
  newSha: string;
  status: CommitFileChange["status"];
  path: string;
}

/** Parses `git diff-tree -r -z --raw` output: `:old new oldsha newsha S\0path\0` records. */
export function parseRawDiff(output: string): RawEntry[] {
  const fields = output.split("\0");
  const entries: RawEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i] ?? "";
    const path = fields[i + 1] ?? "";
    if (meta === "" && path === "") break;
    const [oldMode = "", newMode = "", , newSha = "", status = ""] = meta.replace(/^:/, "").split(" ");
    const letter = status.charAt(0);
    if (!STATUSES.has(letter)) {
      throw new PlanwrightError("internal", `unexpected change ${JSON.stringify(status)} for ${path}`);
    }
    entries.push({ oldMode, newMode, newSha, status: letter as RawEntry["status"], path });
  }
  return entries;
}

async function blobSizes(git: GitRunner, shas: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const unique = [...new Set(shas)];
  if (unique.length === 0) return sizes;
  const out = await git(["cat-file", "--batch-check=%(objectname) %(objectsize)"], {
    input: unique.join("\n") + "\n",
  });
  for (const line of out.stdout.split("\n")) {
    const [name, size] = line.split(" ");
    if (name && size && /^\d+$/.test(size)) sizes.set(name, Number(size));
  }
  return sizes;
}
