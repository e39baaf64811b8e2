/**
 * Branches, files, trees and commits through the gateway. Commits are made with the git data API
 * in four requests whatever the number of files: parent commit (skipped when the caller knows its
 * tree), tree (contents inline), commit, ref. The ref moves without force, so a branch that moved meanwhile is a ConflictError.
 */
import { ConflictError, PlanwrightError } from "../errors.js";
import { redact } from "../redact.js";
import type { CommitInfo, FileChange, GitHubGateway } from "./gateway.js";
import { NEEDS, PER_PAGE, type GitHubCaller } from "./github-caller.js";
import { mapCommit, type Raw } from "./map-responses.js";

type ContentMethods = Pick<
  GitHubGateway,
  "defaultBranch" | "branchHead" | "readFile" | "listTree" | "listCommits" | "commitFiles"
>;

/** A tree entry: content inline (GitHub writes the blob), or `sha: null` to delete the path. */
function treeEntry(file: FileChange): Raw {
  if (file.content === null) return { path: file.path, mode: "100644", type: "blob", sha: null };
  // file contents bound for GitHub (the plan file the App commits) pass the redactor too
  return { path: file.path, mode: "100644", type: "blob", content: redact(file.content) };
}

export function contentMethods(github: GitHubCaller): ContentMethods {
  async function branchHead(branch: string) {
    const data = await github.call(
      "read the branch",
      "GET /repos/{owner}/{repo}/git/ref/{ref}",
      {
        ref: `heads/${branch}`,
      },
      { notFoundIsAbsent: true },
    );
    const sha = data ? (data.object as Raw | undefined)?.sha : undefined;
    return typeof sha === "string" ? sha : undefined;
  }

  return {
    branchHead,

    async defaultBranch() {
      const data = await github.must("read the repository", "GET /repos/{owner}/{repo}", {});
      const branch = typeof data.default_branch === "string" ? data.default_branch : "main";
      const sha = await branchHead(branch);
      if (sha === undefined)
        throw new PlanwrightError("internal", `the default branch ${branch} has no commits`);
      return { name: branch, sha };
    },

    async readFile(path, ref) {
      const data = await github.call(
        `read ${path}`,
        "GET /repos/{owner}/{repo}/contents/{path}",
        { path, ref },
        {
          notFoundIsAbsent: true,
        },
      );
      if (!data || data.type !== "file" || typeof data.sha !== "string") return undefined;
      let encoded = typeof data.content === "string" ? data.content : "";
      // Files over 1 MB come without content ("encoding: none"): the blob API serves up to 100 MB.
      if (data.encoding !== "base64") {
        const blob = await github.must(`read ${path}`, "GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
          file_sha: data.sha,
        });
        encoded = typeof blob.content === "string" ? blob.content : "";
      }
      return { content: Buffer.from(encoded, "base64").toString("utf8"), sha: data.sha };
    },

    async listTree(ref) {
      const data = await github.must(
        `list the files of ${ref}`,
        "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
        {
          tree_sha: ref,
          recursive: "1",
        },
      );
      const entries = Array.isArray(data.tree) ? (data.tree as Raw[]) : [];
      const paths = entries.filter((entry) => entry.type === "blob").map((entry) => String(entry.path));
      return { paths, truncated: data.truncated === true };
    },

    async listCommits(ref, since, options = {}) {
      if (since === undefined) {
        const items = await github.all(`list the commits of ${ref}`, "GET /repos/{owner}/{repo}/commits", {
          sha: ref,
        });
        return items.map(mapCommit).reverse();
      }
      const commits: CommitInfo[] = [];
      for (let page = 1; ; page++) {
        const data = await github.must(
          `compare ${ref} with ${since}`,
          "GET /repos/{owner}/{repo}/compare/{basehead}",
          {
            basehead: `${since}...${ref}`,
            per_page: PER_PAGE,
            page,
          },
        );
        if (data.status === "diverged" && !options.diverged) {
          throw new ConflictError(`${ref} no longer contains ${since}: the branch was rewritten`);
        }
        const batch = Array.isArray(data.commits) ? data.commits.map(mapCommit) : [];
        commits.push(...batch);
        const total = typeof data.total_commits === "number" ? data.total_commits : commits.length;
        if (batch.length === 0 || commits.length >= total) return commits;
      }
    },

    async commitFiles(input) {
      // a caller that read the parent's tree already (e.g. with branchCommit) saves this read
      const baseTree =
        input.parentTreeSha ??
        (
          (
            await github.must(
              "read the parent commit",
              "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
              {
                commit_sha: input.parentSha,
              },
            )
          ).tree as Raw | undefined
        )?.sha;
      const tree = await github.must(
        "create the tree",
        "POST /repos/{owner}/{repo}/git/trees",
        {
          base_tree: baseTree,
          tree: input.files.map(treeEntry),
        },
        NEEDS.contents,
      );
      const commit = await github.must(
        "create the commit",
        "POST /repos/{owner}/{repo}/git/commits",
        {
          message: redact(input.message),
          tree: tree.sha,
          parents: [input.parentSha],
        },
        NEEDS.contents,
      );
      const sha = String(commit.sha);
      const refOptions = { ...NEEDS.contents, refUpdate: true };
      if (input.createBranch) {
        await github.call(
          `create branch ${input.branch}`,
          "POST /repos/{owner}/{repo}/git/refs",
          {
            ref: `refs/heads/${input.branch}`,
            sha,
          },
          refOptions,
        );
      } else {
        await github.call(
          `move branch ${input.branch}`,
          "PATCH /repos/{owner}/{repo}/git/refs/{ref}",
          {
            ref: `heads/${input.branch}`,
            sha,
            force: false,
          },
          refOptions,
        );
      }
      return { sha };
    },
  };
}
