/**
 * GitHub's git data and commit endpoints for the Action's fake GitHub, answered from a real bare
 * repository: trees and commits made through the API are real git objects, so a branch the
 * `/plan` flow creates over REST can then be fetched, checked out and executed with git.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_GIT_ENV } from "../helpers/git-repo.js";
import { signedCommitText, verificationOf } from "../sandbox/commit-signing.js";

/** Who the fake's API commits are made by: the workflow token's bot, as GitHub names it. */
const API_BOT = {
  login: "github-actions[bot]",
  email: "41898282+github-actions[bot]@users.noreply.github.com",
};

type Json = Record<string, unknown>;
type Reply = [number, unknown];

const NOT_FOUND: Reply = [404, { message: "Not Found" }];
const ZERO = "0".repeat(40);

/** Runs git in the bare repository; stdout trimmed, undefined when git fails. */
function git(
  remote: string,
  args: string[],
  options: { input?: string; env?: Json } = {},
): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd: remote,
      env: { ...TEST_GIT_ENV, ...(options.env as NodeJS.ProcessEnv | undefined) },
      input: options.input ?? "",
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 << 20,
    })
      .toString("utf8")
      .trim();
  } catch {
    return undefined;
  }
}

/** The raw commit object, untrimmed (its signature covers the last newline too). */
function rawCommit(remote: string, sha: string): string {
  try {
    return execFileSync("git", ["cat-file", "commit", sha], { cwd: remote, env: TEST_GIT_ENV }).toString(
      "utf8",
    );
  } catch {
    return "";
  }
}

function commitJson(remote: string, sha: string): Json | undefined {
  const text = git(remote, ["log", "-1", "--format=%H%n%T%n%P%n%an%n%ae%n%aI%n%B", sha, "--"]);
  if (text === undefined) return undefined;
  const [full = "", tree = "", parents = "", name, email, date, ...message] = text.split("\n");
  const person = { name, email, date };
  return {
    sha: full,
    tree: { sha: tree },
    parents: parents
      .split(" ")
      .filter(Boolean)
      .map((p) => ({ sha: p })),
    message: message.join("\n").trim(),
    author: person,
    committer: person,
    verification: verificationOf(rawCommit(remote, full)),
  };
}

/** A commit as the commits API shows it: the git commit nested under `commit`. */
function commitApiJson(remote: string, sha: string): Json | undefined {
  const commit = commitJson(remote, sha);
  const user =
    (commit?.author as { email?: string } | undefined)?.email === API_BOT.email
      ? { login: API_BOT.login, type: "Bot" }
      : null;
  return commit ? { sha, commit, parents: commit.parents, author: user, committer: user } : undefined;
}

/** `git/trees` POST: `base_tree` plus inline contents (`sha: null` deletes), through a scratch index. */
function createTree(remote: string, body: Json): Reply {
  const scratch = mkdtempSync(join(tmpdir(), "planwright-fake-index-"));
  // update-index wants a work tree even for index-only changes: give it an empty one
  const env = { GIT_INDEX_FILE: join(scratch, "index"), GIT_WORK_TREE: scratch };
  try {
    if (
      typeof body.base_tree === "string" &&
      git(remote, ["read-tree", body.base_tree], { env }) === undefined
    )
      return [422, { message: "base_tree not found" }];
    for (const entry of Array.isArray(body.tree) ? (body.tree as Json[]) : []) {
      const path = String(entry.path);
      if (entry.sha === null) {
        git(remote, ["update-index", "--force-remove", "--", path], { env });
        continue;
      }
      const blob =
        typeof entry.content === "string"
          ? git(remote, ["hash-object", "-w", "--stdin"], { input: entry.content })
          : String(entry.sha);
      const mode = typeof entry.mode === "string" ? entry.mode : "100644";
      git(remote, ["update-index", "--add", "--cacheinfo", `${mode},${blob},${path}`], { env });
    }
    const sha = git(remote, ["write-tree"], { env });
    return sha ? [201, { sha, url: "", tree: [], truncated: false }] : [422, { message: "bad tree" }];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Answers `METHOD /path` (repository prefix removed) when it is a git data or commit endpoint;
 * undefined for any other route.
 */
export function gitDataRoute(
  remote: string,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): Reply | undefined {
  const b = (body ?? {}) as Json;
  let m: RegExpExecArray | null;
  if (method === "GET" && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(path))) {
    const commit = commitJson(remote, m[1] ?? "");
    return commit ? [200, commit] : NOT_FOUND;
  }
  if (method === "GET" && path === "/commits") {
    // the commit listing, newest first: one page of `per_page`
    const count = Number(query.get("per_page") ?? "30");
    const text = git(remote, ["rev-list", `--max-count=${count}`, query.get("sha") ?? "HEAD", "--"]);
    if (text === undefined) return NOT_FOUND;
    const list = text.split("\n").filter(Boolean);
    return [200, list.map((sha) => commitApiJson(remote, sha))];
  }
  if (method === "GET" && !path.endsWith("/check-runs") && (m = /^\/commits\/(.+)$/.exec(path))) {
    // GET /commits/{ref}: the commit API's shape, which nests the git commit
    const sha = git(remote, ["rev-parse", "--verify", "--quiet", `${m[1] ?? ""}^{commit}`]);
    const commit = sha ? commitApiJson(remote, sha) : undefined;
    return commit ? [200, commit] : [422, { message: `No commit found for SHA: ${m[1]}` }];
  }
  if (method === "GET" && (m = /^\/git\/trees\/([^/]+)$/.exec(path))) {
    const args = ["ls-tree", ...(query.get("recursive") ? ["-r"] : []), "--full-tree", m[1] ?? ""];
    const text = git(remote, args);
    if (text === undefined) return NOT_FOUND;
    const tree = text
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [meta = "", entryPath = ""] = line.split("\t");
        const [mode, type, sha] = meta.split(" ");
        return { path: entryPath, mode, type, sha };
      });
    return [200, { sha: git(remote, ["rev-parse", `${m[1] ?? ""}^{tree}`]), truncated: false, tree }];
  }
  if (method === "POST" && path === "/git/trees") return createTree(remote, b);
  if (method === "POST" && path === "/git/commits") {
    // GitHub signs the commits an App's token creates without naming author or committer
    const parents = Array.isArray(b.parents) ? (b.parents as string[]) : [];
    if (
      git(remote, ["cat-file", "-e", `${String(b.tree)}^{tree}`]) === undefined ||
      parents.some((p) => git(remote, ["cat-file", "-e", `${p}^{commit}`]) === undefined)
    )
      return [422, { message: "Tree or parent not found" }];
    const who = `${API_BOT.login} <${API_BOT.email}> ${Math.floor(Date.now() / 1000)} +0000`;
    const payload = [
      `tree ${String(b.tree)}`,
      ...parents.map((p) => `parent ${p}`),
      `author ${who}`,
      `committer ${who}`,
      "",
      String(b.message ?? ""),
    ].join("\n");
    const sha = git(remote, ["hash-object", "-t", "commit", "-w", "--stdin"], {
      input: signedCommitText(payload),
    });
    return sha ? [201, commitJson(remote, sha)] : [422, { message: "Tree or parent not found" }];
  }
  if (method === "POST" && path === "/git/blobs") {
    const content = Buffer.from(String(b.content ?? ""), b.encoding === "base64" ? "base64" : "utf8");
    try {
      const sha = execFileSync("git", ["hash-object", "-w", "--stdin"], {
        cwd: remote,
        env: TEST_GIT_ENV,
        input: content,
      })
        .toString("utf8")
        .trim();
      return [201, { sha, url: "" }];
    } catch {
      return [422, { message: "Invalid blob" }];
    }
  }
  if (method === "GET" && (m = /^\/compare\/([^.]+)\.\.\.(.+)$/.exec(path))) {
    const base = git(remote, ["rev-parse", "--verify", "--quiet", `${m[1] ?? ""}^{commit}`]);
    const head = git(remote, ["rev-parse", "--verify", "--quiet", `${m[2] ?? ""}^{commit}`]);
    if (!base || !head) return NOT_FOUND;
    const ahead = (git(remote, ["rev-list", "--reverse", head, `^${base}`]) ?? "")
      .split("\n")
      .filter(Boolean);
    const behind = (git(remote, ["rev-list", base, `^${head}`]) ?? "").split("\n").filter(Boolean);
    const status =
      ahead.length === 0
        ? behind.length === 0
          ? "identical"
          : "behind"
        : behind.length === 0
          ? "ahead"
          : "diverged";
    return [
      200,
      {
        status,
        ahead_by: ahead.length,
        behind_by: behind.length,
        total_commits: ahead.length,
        commits: ahead.map((sha) => commitApiJson(remote, sha)),
      },
    ];
  }
  if (method === "POST" && path === "/git/refs") {
    // update-ref with a zero old value creates only: an existing branch is GitHub's 422
    const ok = git(remote, ["update-ref", String(b.ref), String(b.sha), ZERO]);
    return ok === undefined
      ? [422, { message: "Reference already exists" }]
      : [201, { ref: b.ref, object: { sha: b.sha, type: "commit" } }];
  }
  if (method === "PATCH" && (m = /^\/git\/refs\/(heads\/.+)$/.exec(path))) {
    const ref = `refs/${m[1] ?? ""}`;
    const old = git(remote, ["rev-parse", "--verify", "--quiet", ref]);
    if (!old) return [422, { message: "Reference does not exist" }];
    const sha = String(b.sha);
    if (b.force !== true && git(remote, ["merge-base", "--is-ancestor", old, sha]) === undefined)
      return [422, { message: "Update is not a fast forward" }];
    if (git(remote, ["update-ref", ref, sha, old]) === undefined)
      return [422, { message: "Reference update failed" }];
    return [200, { ref, object: { sha, type: "commit" } }];
  }
  return undefined;
}
