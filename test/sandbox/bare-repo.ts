/**
 * The sandbox's git data API over a real bare repository, with git's plumbing: blobs with
 * `hash-object -w`, trees through a throw-away index (`read-tree`, `update-index`, `write-tree`),
 * commits with `commit-tree`, refs with `update-ref` and its old-value check. Everything the
 * REST API writes is therefore real git that the Action's `git fetch`/`git push` see.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_GIT_ENV } from "../helpers/git-repo.js";

export interface CommitData {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
}

/** A tree entry as `POST /git/trees` takes it: inline content, a blob sha, or `sha: null` to delete. */
export interface TreeInput {
  path: string;
  mode: string;
  content?: string;
  sha?: string | null;
}

/** Raised for a missing object or ref; the sandbox answers 404 or 422. */
export class GitDataError extends Error {}

function run(
  cwd: string,
  args: string[],
  input?: string | Buffer,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      { cwd, env: { ...TEST_GIT_ENV, ...env }, maxBuffer: 256 << 20, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) reject(new GitDataError(`git ${args[0]}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

function parseIdent(line: string): { name: string; email: string; date: string } {
  const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!match) return { name: line, email: "", date: new Date(0).toISOString() };
  return {
    name: match[1] as string,
    email: match[2] as string,
    date: new Date(Number(match[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
}

/** Git operations on one bare repository. */
export class BareRepo {
  constructor(readonly dir: string) {}

  git(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): Promise<string> {
    return run(this.dir, args, input, env);
  }

  /** The sha `name` (a ref, branch or sha) resolves to as `type`, or undefined. */
  async resolve(name: string, type: "commit" | "tree" | "blob" = "commit"): Promise<string | undefined> {
    if (name.startsWith("-")) return undefined;
    const candidates = /^[0-9a-f]{40}$/.test(name) ? [name] : [`refs/heads/${name}`, name];
    for (const candidate of candidates) {
      try {
        return (await this.git(["rev-parse", "--verify", "--quiet", `${candidate}^{${type}}`])).trim();
      } catch {
        // Try the next spelling.
      }
    }
    return undefined;
  }

  async refs(prefix = "refs/heads/"): Promise<Map<string, string>> {
    const out = await this.git(["for-each-ref", "--format=%(refname) %(objectname)", prefix]);
    const refs = new Map<string, string>();
    for (const line of out.split("\n").filter(Boolean)) {
      const [name, sha] = line.split(" ");
      if (name && sha) refs.set(name, sha);
    }
    return refs;
  }

  async branchHead(branch: string): Promise<string | undefined> {
    return (await this.refs(`refs/heads/${branch}`)).get(`refs/heads/${branch}`);
  }

  async objectType(sha: string): Promise<string | undefined> {
    try {
      return (await this.git(["cat-file", "-t", sha])).trim();
    } catch {
      return undefined;
    }
  }

  async commit(sha: string): Promise<CommitData> {
    if ((await this.objectType(sha)) !== "commit") throw new GitDataError(`no commit ${sha}`);
    const raw = await this.git(["cat-file", "commit", sha]);
    const split = raw.indexOf("\n\n");
    const header = raw.slice(0, split).split("\n");
    const data: CommitData = {
      sha,
      tree: "",
      parents: [],
      message: raw.slice(split + 2),
      author: parseIdent(""),
      committer: parseIdent(""),
    };
    for (const line of header) {
      const space = line.indexOf(" ");
      const key = line.slice(0, space);
      const value = line.slice(space + 1);
      if (key === "tree") data.tree = value;
      else if (key === "parent") data.parents.push(value);
      else if (key === "author") data.author = parseIdent(value);
      else if (key === "committer") data.committer = parseIdent(value);
    }
    return data;
  }

  async blob(sha: string): Promise<Buffer> {
    if ((await this.objectType(sha)) !== "blob") throw new GitDataError(`no blob ${sha}`);
    return new Promise((resolve, reject) => {
      execFile(
        "git",
        ["cat-file", "blob", sha],
        { cwd: this.dir, env: TEST_GIT_ENV, encoding: "buffer", maxBuffer: 256 << 20 },
        (error, stdout) => (error ? reject(new GitDataError(`no blob ${sha}`)) : resolve(stdout)),
      );
    });
  }

  /** Entries of a tree (recursive: every blob and subtree, with blob sizes). */
  async tree(sha: string, recursive: boolean): Promise<TreeEntry[]> {
    const args = ["ls-tree", "-l", "-z", ...(recursive ? ["-r", "-t"] : []), sha];
    const out = await this.git(args);
    return out
      .split("\0")
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf("\t");
        const [mode, type, object, size] = line.slice(0, tab).split(/\s+/);
        const entry: TreeEntry = {
          path: line.slice(tab + 1),
          mode: mode as string,
          type: type as TreeEntry["type"],
          sha: object as string,
        };
        if (type === "blob") entry.size = Number(size);
        return entry;
      });
  }

  /** The blob sha of `path` at `commitish`, or undefined. */
  async pathBlob(commitish: string, path: string): Promise<{ sha: string; type: string } | undefined> {
    const commit = await this.resolve(commitish);
    if (!commit || path.startsWith("/")) return undefined;
    try {
      const out = (await this.git(["ls-tree", "-z", commit, "--", path])).split("\0")[0] ?? "";
      const match = /^\d+ (\w+) ([0-9a-f]{40})\t/.exec(out);
      return match ? { type: match[1] as string, sha: match[2] as string } : undefined;
    } catch {
      return undefined;
    }
  }

  async writeBlob(content: string | Buffer): Promise<string> {
    return (await this.git(["hash-object", "-w", "--stdin"], content)).trim();
  }

  /** A new tree: `base` (or empty) with `entries` applied, through a temporary index file. */
  async writeTree(base: string | undefined, entries: TreeInput[]): Promise<string> {
    const scratch = await mkdtemp(join(tmpdir(), "planwright-sandbox-index-"));
    // update-index wants a work tree even for index-only changes: give it an empty one.
    const env = { GIT_INDEX_FILE: join(scratch, "index"), GIT_WORK_TREE: scratch };
    try {
      if (base) await this.git(["read-tree", base], undefined, env);
      else await this.git(["read-tree", "--empty"], undefined, env);
      const lines: string[] = [];
      for (const entry of entries) {
        if (
          entry.path.startsWith("/") ||
          entry.path.split("/").some((p) => p === ".." || p === "" || p === ".git")
        ) {
          throw new GitDataError(`invalid tree path ${JSON.stringify(entry.path)}`);
        }
        if (entry.sha === null) {
          lines.push(`0 ${"0".repeat(40)}\t${entry.path}`);
          continue;
        }
        const sha = entry.content !== undefined ? await this.writeBlob(entry.content) : entry.sha;
        if (!sha || (await this.objectType(sha)) !== "blob")
          throw new GitDataError(`no blob ${sha ?? "(none)"}`);
        lines.push(`${entry.mode} ${sha}\t${entry.path}`);
      }
      if (lines.length > 0) await this.git(["update-index", "--index-info"], `${lines.join("\n")}\n`, env);
      return (await this.git(["write-tree"], undefined, env)).trim();
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async writeCommit(input: {
    tree: string;
    parents: string[];
    message: string;
    author: { name: string; email: string };
  }): Promise<string> {
    if ((await this.objectType(input.tree)) !== "tree") throw new GitDataError(`no tree ${input.tree}`);
    for (const parent of input.parents) {
      if ((await this.objectType(parent)) !== "commit") throw new GitDataError(`no commit ${parent}`);
    }
    const args = ["commit-tree", input.tree, ...input.parents.flatMap((p) => ["-p", p]), "-F", "-"];
    const env = {
      GIT_AUTHOR_NAME: input.author.name,
      GIT_AUTHOR_EMAIL: input.author.email,
      GIT_COMMITTER_NAME: input.author.name,
      GIT_COMMITTER_EMAIL: input.author.email,
    };
    return (await this.git(args, input.message, env)).trim();
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    try {
      await this.git(["merge-base", "--is-ancestor", ancestor, descendant]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Moves (or creates, with `expected` "") a ref atomically: git refuses when the ref is not at
   * `expected` any more, which is how a concurrent update loses.
   */
  async updateRef(ref: string, sha: string, expected: string): Promise<void> {
    await this.git(["update-ref", ref, sha, expected === "" ? "0".repeat(40) : expected]);
  }

  async deleteRef(ref: string): Promise<void> {
    await this.git(["update-ref", "-d", ref]);
  }

  /** Commits reachable from `head` and not from `base` (newest first), or all of `head`'s. */
  async revList(head: string, base?: string): Promise<string[]> {
    const out = await this.git(["rev-list", head, ...(base ? [`^${base}`] : [])]);
    return out.split("\n").filter(Boolean);
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    try {
      return (await this.git(["merge-base", a, b])).trim();
    } catch {
      return undefined;
    }
  }
}
