/**
 * Landing task and revert commits through GitHub's git data API instead of `git push`. For each
 * local commit (already through the apply-time check): the files it changes go into a tree on top
 * of the landed parent's (text inline, other content as blobs; modes and symbolic links kept), the
 * tree GitHub builds must be the tree the task produced, and a commit with the same message is
 * created on the landed parent. The branch then moves once, without force. GitHub signs commits
 * created with an App's token, so every landed commit is a Verified commit of the App: the proof
 * engine/commit-identity.ts asks for, and what a signed-commits ruleset accepts.
 *
 * The local branch adopts the landed commits: GitHub's commit object is written locally (from the
 * signed payload and its signature) and must hash to the id GitHub gave it, so later tasks, state
 * and rollback work on exactly what is on GitHub. No git process ever sees the token.
 */
import { ConflictError, PolicyError } from "../errors.js";
import type { CreatedCommit, GitHubGateway, TreeEntryInput } from "../github/gateway.js";
import type { GitWorkspace } from "../git/git-workspace.js";
import type { CommitLander } from "./plan-checkout.js";

const SUBMODULE_MODE = "160000";

export interface ApiLandingOptions {
  gateway: GitHubGateway;
  workspace: GitWorkspace;
  /** The login GitHub makes the landed commits with (the App's `<slug>[bot]`). */
  identity: string;
}

/** The git timezone (`+0000`) and seconds of an ISO date as GitHub returns it. */
function gitDate(iso: string): string {
  const ms = Date.parse(iso);
  const offset = /([+-])(\d\d):?(\d\d)$/.exec(iso);
  const tz = offset ? `${offset[1]}${offset[2]}${offset[3]}` : "+0000";
  return `${Math.floor(ms / 1000)} ${tz}`;
}

/**
 * The raw commit object GitHub stored: its signed payload with the signature as `gpgsig` header,
 * or, for an unsigned commit, the object rebuilt from its fields.
 */
export function rawCommitOf(created: CreatedCommit, parents: readonly string[]): string {
  if (created.payload !== undefined && created.signature !== undefined) {
    const split = created.payload.indexOf("\n\n");
    const header = created.payload.slice(0, split);
    const body = created.payload.slice(split);
    const sig = created.signature.replace(/\n$/, "").split("\n").join("\n ");
    return `${header}\ngpgsig ${sig}${body}`;
  }
  const who = (p: CreatedCommit["author"]) => `${p.name} <${p.email}> ${gitDate(p.date)}`;
  return [
    `tree ${created.tree}`,
    ...parents.map((p) => `parent ${p}`),
    `author ${who(created.author)}`,
    `committer ${who(created.committer)}`,
    "",
    created.message,
  ].join("\n");
}

/** A tree entry for one changed file: text inline, anything else as a blob of its own. */
async function entryOf(
  options: ApiLandingOptions,
  change: Awaited<ReturnType<GitWorkspace["commitForLanding"]>>["changes"][number],
): Promise<TreeEntryInput> {
  if (change.status === "D") return { path: change.path, mode: change.oldMode, sha: null };
  if (change.newMode === SUBMODULE_MODE || change.oldMode === SUBMODULE_MODE)
    throw new PolicyError(`${change.path}: submodules are never landed`);
  const bytes = await options.workspace.blob(change.sha);
  const text = bytes.toString("utf8");
  if (!text.includes("\0") && Buffer.from(text, "utf8").equals(bytes))
    return { path: change.path, mode: change.newMode, content: text };
  return {
    path: change.path,
    mode: change.newMode,
    sha: await options.gateway.createBlob(bytes.toString("base64")),
  };
}

/** Writes GitHub's commit locally; falls back to fetching it when its bytes cannot be rebuilt. */
async function adoptObject(
  options: ApiLandingOptions,
  created: CreatedCommit,
  parent: string,
): Promise<void> {
  const written = await options.workspace.writeCommitObject(rawCommitOf(created, [parent]));
  if (written === created.sha) return;
  await options.workspace.git(["fetch", "--quiet", "--no-tags", "origin", created.sha], {
    okCodes: [0, 1, 128],
  });
  const found = await options.workspace.git(["cat-file", "-e", `${created.sha}^{commit}`], {
    okCodes: [0, 1, 128],
  });
  if (found.code !== 0)
    throw new ConflictError(
      `landed commit ${created.sha.slice(0, 7)} cannot be reproduced here (rebuilt as ${written.slice(0, 7)}) nor fetched; the branch was not moved`,
    );
}

/** The lander the Action hands to the flows (PlanFlowDeps.land). */
export function apiLander(options: ApiLandingOptions): CommitLander {
  const { gateway, workspace } = options;
  return async ({ branch, expected, sha, proofs }) => {
    const range = await workspace.git(["rev-list", "--reverse", "--first-parent", `${expected}..${sha}`]);
    const locals = range.stdout.split("\n").filter(Boolean);
    if (locals.length === 0) return { head: expected, landed: [] };
    let parent = expected;
    let previousLocal = expected;
    let parentTree = await workspace.tree(expected);
    const landed: [string, string][] = [];
    for (const local of locals) {
      const commit = await workspace.commitForLanding(local);
      if (commit.parents.length !== 1 || commit.parents[0] !== previousLocal)
        throw new ConflictError(
          `commit ${local.slice(0, 7)} does not build on ${previousLocal.slice(0, 7)}; nothing was landed`,
        );
      const entries: TreeEntryInput[] = [];
      for (const change of commit.changes) entries.push(await entryOf(options, change));
      const tree = entries.length === 0 ? parentTree : await gateway.createTree(parentTree, entries);
      if (tree !== commit.tree) {
        throw new ConflictError(
          `GitHub built tree ${tree.slice(0, 7)} for commit ${local.slice(0, 7)}, whose own tree is ${commit.tree.slice(0, 7)}; nothing was landed`,
        );
      }
      const created = await gateway.createCommit({ message: commit.message, tree, parents: [parent] });
      await adoptObject(options, created, parent);
      // the run's later state counts it as proven, as GitHub's listing will
      proofs?.add(created.sha, { verified: created.verified, author: options.identity });
      landed.push([local, created.sha]);
      parent = created.sha;
      previousLocal = local;
      parentTree = tree;
    }
    await gateway.updateBranch(branch, parent);
    await workspace.adoptCommit(parent, sha);
    return { head: parent, landed };
  };
}
