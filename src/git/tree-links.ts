/**
 * Resolves a symbolic link the way a checkout of the commit would: through the commit's own tree,
 * following every link on the way (a link to a parent folder, then a path through it), with a
 * depth limit. Judging a link's target as text misses chains such as `a -> ..` and
 * `b -> a/a/a/etc/passwd`; walking the tree does not.
 */
import { PlanwrightError } from "../errors.js";
import type { ObjectReader } from "./object-reader.js";

/** Links followed before giving up, as Linux does (ELOOP after 40). */
export const MAX_LINK_HOPS = 40;

const LINK_MODE = "120000";
const TREE_MODE = "040000";

/** Where a link leads: a repository path ("" is the root) or why it cannot be followed. */
export type LinkResolution = { path: string } | { problem: string };

type Entry = { mode: string; sha: string };

export interface TreeEntry {
  mode: string;
  name: string;
  sha: string;
}

/** Entries of a raw tree object: `<mode> <name>\0<binary id>` records, in git's order. */
export function parseTree(content: Buffer, hashBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(32, at);
    const nul = content.indexOf(0, space + 1);
    if (space === -1 || nul === -1 || nul + 1 + hashBytes > content.length) {
      throw new PlanwrightError("internal", "malformed tree object");
    }
    const mode = content.subarray(at, space).toString("latin1").padStart(6, "0");
    const name = content.subarray(space + 1, nul).toString("utf8");
    const sha = content.subarray(nul + 1, nul + 1 + hashBytes).toString("hex");
    entries.push({ mode, name, sha });
    at = nul + 1 + hashBytes;
  }
  return entries;
}

/** Reads trees of one commit on demand, each at most once. */
export class TreeWalker {
  private readonly trees = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly reader: ObjectReader,
    private readonly root: string,
    private readonly hashBytes: number,
  ) {}

  private async entries(sha: string): Promise<Map<string, Entry>> {
    let map = this.trees.get(sha);
    if (!map) {
      const object = await this.reader.read(sha);
      if (!object || object.type !== "tree") throw new PlanwrightError("internal", `cannot read tree ${sha}`);
      map = new Map(parseTree(object.content, this.hashBytes).map((e) => [e.name, e]));
      this.trees.set(sha, map);
    }
    return map;
  }

  /** The entry at `segments` in the tree, without following links; undefined when absent. */
  async entryAt(segments: readonly string[]): Promise<Entry | undefined> {
    let entry: Entry = { mode: TREE_MODE, sha: this.root };
    for (const segment of segments) {
      if (entry.mode !== TREE_MODE) return undefined;
      const next = (await this.entries(entry.sha)).get(segment);
      if (!next) return undefined;
      entry = next;
    }
    return entry;
  }

  /** Resolves the link at `path` whose content is `target`. */
  async resolveLink(path: string, target: string): Promise<LinkResolution> {
    const stack = path.split("/").slice(0, -1);
    let pending = splitTarget(target);
    if (pending === undefined) return { problem: "points outside the repository" };
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.shift() ?? "";
      if (segment === "" || segment === ".") continue;
      if (segment === "..") {
        if (stack.length === 0) return { problem: "points outside the repository" };
        stack.pop();
        continue;
      }
      stack.push(segment);
      const entry = await this.entryAt(stack);
      if (entry?.mode !== LINK_MODE) continue;
      if (++hops > MAX_LINK_HOPS) return { problem: `follows more than ${MAX_LINK_HOPS} links` };
      const blob = await this.reader.read(entry.sha);
      if (!blob) throw new PlanwrightError("internal", `cannot read link ${stack.join("/")}`);
      const next = splitTarget(blob.content.toString("utf8"));
      if (next === undefined) {
        return { problem: `points outside the repository through ${stack.join("/")}` };
      }
      stack.pop();
      pending = [...next, ...pending];
    }
    return { path: stack.join("/") };
  }
}

/** A target's segments; undefined for an absolute or drive path (always outside). */
function splitTarget(target: string): string[] | undefined {
  const slashed = target.replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) return undefined;
  return slashed.split("/");
}
