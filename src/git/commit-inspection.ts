/**
 * Reads what a commit really changes (modes, sizes, symlink targets) from git's object database,
 * for apply-time verification: the check looks at the objects that would be pushed, not at the
 * working tree or at what the plan says a task does.
 */
import type { CommitFileChange, CommitInspection } from "../engine/ports.js";
import { PlanwrightError } from "../errors.js";
import type { ObjectReader } from "./object-reader.js";
import { parseTrailers } from "./trailers.js";
import { parseTree, TreeWalker, type TreeEntry } from "./tree-links.js";

export { parseTree };

const TREE_MODE = "040000";
const GITLINK_MODE = "160000";
const NO_MODE = "000000";
/**
 * Blobs up to this size are read (and hashed) to learn their size, so a forged size cannot slip
 * under the caps; a larger one keeps the size git claims, which any sane cap refuses anyway.
 */
const VERIFIED_BLOB_BYTES = 64 * 1024 * 1024;

/**
 * Describes commit `rev` against its first parent. Replace refs and grafts are ignored (untrusted
 * code could have written them to make a commit look like another): parents, trees and message
 * come from the raw objects, which is what a push sends. The trees are compared here, descending
 * only into subtrees whose ids differ, so the check costs no new process per commit.
 */
export async function inspectCommit(reader: ObjectReader, rev: string): Promise<CommitInspection> {
  const object = await reader.read(`${rev}^{commit}`);
  if (!object || object.type !== "commit") throw new PlanwrightError("usage", `no such commit: ${rev}`);
  const { sha } = object;
  const { parents, message, tree } = parseCommitObject(object.content.toString("utf8"));
  const hashBytes = sha.length / 2;
  const parentTree = parents[0] === undefined ? undefined : await treeOf(reader, parents[0]);
  const entries = await diffTrees(reader, hashBytes, parentTree, tree, "");
  const changes: CommitFileChange[] = [];
  let walker: TreeWalker | undefined;
  for (const e of entries) {
    const change: CommitFileChange = {
      path: e.path,
      status: e.status,
      oldMode: e.oldMode,
      newMode: e.newMode,
      size: 0,
    };
    if (e.status !== "D" && e.newMode !== GITLINK_MODE) {
      const claimed = (await reader.info(e.newSha))?.size;
      if (claimed === undefined) throw new PlanwrightError("internal", `cannot read ${e.path} (${e.newSha})`);
      change.size = claimed;
      if (claimed <= VERIFIED_BLOB_BYTES) {
        // the content is hashed on the way in, so its length is the real size
        const blob = await reader.read(e.newSha);
        if (!blob) throw new PlanwrightError("internal", `cannot read ${e.path} (${e.newSha})`);
        change.size = blob.content.length;
        if (e.newMode === "120000") {
          change.linkTarget = blob.content.toString("utf8");
          walker ??= new TreeWalker(reader, tree, hashBytes);
          const resolved = await walker.resolveLink(e.path, change.linkTarget);
          if ("path" in resolved) change.linkResolved = resolved.path;
          else change.linkProblem = resolved.problem;
        }
      }
    }
    changes.push(change);
  }
  return { sha, parents, trailers: trailersOf(message), changes };
}

/** One file a commit changes against its first parent, with the new blob's id. */
export interface CommitTreeChange {
  path: string;
  status: CommitFileChange["status"];
  oldMode: string;
  newMode: string;
  /** The new blob's id (all zeros for a deletion). */
  sha: string;
}

/** What landing a commit elsewhere needs: its tree, parents, message and changed files. */
export interface CommitForLanding {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  changes: CommitTreeChange[];
}

/** Describes commit `rev` for landing it as a new commit (same tree, other parent) elsewhere. */
export async function commitForLanding(reader: ObjectReader, rev: string): Promise<CommitForLanding> {
  const object = await reader.read(`${rev}^{commit}`);
  if (!object || object.type !== "commit") throw new PlanwrightError("usage", `no such commit: ${rev}`);
  const { parents, message, tree } = parseCommitObject(object.content.toString("utf8"));
  const parentTree = parents[0] === undefined ? undefined : await treeOf(reader, parents[0]);
  const entries = await diffTrees(reader, object.sha.length / 2, parentTree, tree, "");
  const changes = entries.map((e) => ({
    path: e.path,
    status: e.status,
    oldMode: e.oldMode,
    newMode: e.newMode,
    sha: e.newSha,
  }));
  return { sha: object.sha, tree, parents, message, changes };
}

async function treeOf(reader: ObjectReader, commit: string): Promise<string> {
  const object = await reader.read(commit);
  if (!object || object.type !== "commit")
    throw new PlanwrightError("internal", `cannot read commit ${commit}`);
  return parseCommitObject(object.content.toString("utf8")).tree;
}

async function readTree(
  reader: ObjectReader,
  sha: string | undefined,
  hashBytes: number,
): Promise<TreeEntry[]> {
  if (sha === undefined) return [];
  const object = await reader.read(sha);
  if (!object || object.type !== "tree") throw new PlanwrightError("internal", `cannot read tree ${sha}`);
  return parseTree(object.content, hashBytes);
}

/** git's tree order: a subtree sorts as if its name ended in "/". */
function sortKey(entry: TreeEntry): string {
  return entry.mode === TREE_MODE ? `${entry.name}/` : entry.name;
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** What `git diff-tree -r --no-renames --raw` reports between two trees, in the same order. */
async function diffTrees(
  reader: ObjectReader,
  hashBytes: number,
  oldTree: string | undefined,
  newTree: string | undefined,
  prefix: string,
): Promise<RawEntry[]> {
  if (oldTree === newTree) return [];
  const [before, after] = await Promise.all([
    readTree(reader, oldTree, hashBytes),
    readTree(reader, newTree, hashBytes),
  ]);
  const out: RawEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const a = before[i];
    const b = after[j];
    const order = !a ? 1 : !b ? -1 : compareKeys(sortKey(a), sortKey(b));
    if (order < 0 && a) {
      out.push(...(await removed(reader, hashBytes, a, prefix)));
      i++;
    } else if (order > 0 && b) {
      out.push(...(await added(reader, hashBytes, b, prefix)));
      j++;
    } else if (a && b) {
      i++;
      j++;
      if (a.sha === b.sha && a.mode === b.mode) continue;
      const path = prefix + a.name;
      if (a.mode === TREE_MODE) {
        out.push(...(await diffTrees(reader, hashBytes, a.sha, b.sha, `${path}/`)));
        continue;
      }
      const status = fileType(a.mode) === fileType(b.mode) ? "M" : "T";
      out.push({ oldMode: a.mode, newMode: b.mode, newSha: b.sha, status, path });
    }
  }
  return out;
}

async function removed(reader: ObjectReader, hashBytes: number, e: TreeEntry, prefix: string) {
  const path = prefix + e.name;
  if (e.mode === TREE_MODE) return diffTrees(reader, hashBytes, e.sha, undefined, `${path}/`);
  const zero = "0".repeat(hashBytes * 2);
  return [{ oldMode: e.mode, newMode: NO_MODE, newSha: zero, status: "D" as const, path }];
}

async function added(reader: ObjectReader, hashBytes: number, e: TreeEntry, prefix: string) {
  const path = prefix + e.name;
  if (e.mode === TREE_MODE) return diffTrees(reader, hashBytes, undefined, e.sha, `${path}/`);
  return [{ oldMode: NO_MODE, newMode: e.mode, newSha: e.sha, status: "A" as const, path }];
}

/** Regular file, symbolic link or submodule: a change between them is a type change. */
function fileType(mode: string): string {
  return mode === "120000" ? "link" : mode === GITLINK_MODE ? "gitlink" : "file";
}

/** Parents and message of a raw commit object (`git cat-file commit`). */
export function parseCommitObject(text: string): { tree: string; parents: string[]; message: string } {
  const split = text.indexOf("\n\n");
  const lines = (split === -1 ? text : text.slice(0, split)).split("\n");
  const field = (name: string) =>
    lines.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim());
  const tree = field("tree")[0];
  if (tree === undefined) throw new PlanwrightError("internal", "malformed commit object: no tree");
  return { tree, parents: field("parent"), message: split === -1 ? "" : text.slice(split + 2) };
}

/** The trailers of a message: its last paragraph when every line of it is `Key: value`. */
export function trailersOf(message: string): Record<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? (paragraphs[paragraphs.length - 1] ?? "") : "";
  const lines = last.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0 || !lines.every((l) => /^[A-Za-z][A-Za-z0-9-]*:\s/.test(l))) return {};
  return parseTrailers(lines.join("\n"));
}

/** One changed path, as `git diff-tree -r --raw` describes it. */
interface RawEntry {
  oldMode: string;
  newMode: string;
  newSha: string;
  status: CommitFileChange["status"];
  path: string;
}
