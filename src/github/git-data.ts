/**
 * Landing commits through GitHub's git data API: blobs, trees, commits and the branch ref. A
 * commit created this way with an App's installation token (no author or committer given) is
 * signed by GitHub and shows as Verified, authored by the App's `<slug>[bot]`: the proof that it
 * is Planwright's (engine/commit-identity.ts), and what rulesets requiring signed commits accept.
 */
import type { CreatedCommit, GitHubGateway } from "./gateway.js";
import { NEEDS, type GitHubCaller } from "./github-caller.js";
import type { Raw } from "./map-responses.js";

type GitDataMethods = Pick<GitHubGateway, "createBlob" | "createTree" | "createCommit" | "updateBranch">;

function ident(value: unknown): { name: string; email: string; date: string } {
  const v = (value ?? {}) as Raw;
  return { name: String(v.name ?? ""), email: String(v.email ?? ""), date: String(v.date ?? "") };
}

export function gitDataMethods(github: GitHubCaller): GitDataMethods {
  return {
    async createBlob(base64) {
      const blob = await github.must(
        "create a blob",
        "POST /repos/{owner}/{repo}/git/blobs",
        { content: base64, encoding: "base64" },
        NEEDS.contents,
      );
      return String(blob.sha);
    },

    async createTree(baseTree, entries) {
      const tree = await github.must(
        "create the tree",
        "POST /repos/{owner}/{repo}/git/trees",
        {
          base_tree: baseTree,
          tree: entries.map((e) =>
            e.content !== undefined
              ? { path: e.path, mode: e.mode, type: "blob", content: e.content }
              : { path: e.path, mode: e.mode, type: "blob", sha: e.sha },
          ),
        },
        NEEDS.contents,
      );
      return String(tree.sha);
    },

    async createCommit(input): Promise<CreatedCommit> {
      const commit = await github.must(
        "create the commit",
        "POST /repos/{owner}/{repo}/git/commits",
        { message: input.message, tree: input.tree, parents: input.parents },
        NEEDS.contents,
      );
      const verification = (commit.verification ?? {}) as Raw;
      return {
        sha: String(commit.sha),
        tree: String(((commit.tree ?? {}) as Raw).sha ?? ""),
        message: String(commit.message ?? ""),
        author: ident(commit.author),
        committer: ident(commit.committer),
        verified: verification.verified === true,
        ...(typeof verification.payload === "string" ? { payload: verification.payload } : {}),
        ...(typeof verification.signature === "string" ? { signature: verification.signature } : {}),
      };
    },

    async updateBranch(branch, sha) {
      await github.call(
        `move branch ${branch}`,
        "PATCH /repos/{owner}/{repo}/git/refs/{ref}",
        { ref: `heads/${branch}`, sha, force: false },
        { ...NEEDS.contents, refUpdate: true },
      );
    },
  };
}
