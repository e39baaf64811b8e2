/**
 * Proofs of Planwright's commits as GitHub reports them (see engine/commit-identity.ts): one
 * compare request lists every commit of the pull request's branch with its signature verification
 * and the GitHub accounts of its author and committer. Commits this run lands through the API are
 * added as they land, from GitHub's answer to their creation.
 */
import type { CommitProof, ProofSource } from "../engine/commit-identity.js";
import type { HistoryCommit } from "../engine/ports.js";
import type { CommitInfo, GitHubGateway } from "../github/gateway.js";
import { trailersOf } from "../git/commit-inspection.js";

/** The login GitHub gives commits made with a workflow's own GITHUB_TOKEN. */
export const ACTIONS_IDENTITY = "github-actions[bot]";

/** The login of the bot account of a GitHub App (`<slug>[bot]`). */
export function botLoginOf(slug: string): string {
  return slug.endsWith("[bot]") ? slug : `${slug}[bot]`;
}

export class CommitProofs implements ProofSource {
  private readonly proofs = new Map<string, CommitProof>();
  constructor(readonly identities: readonly string[]) {}

  of(sha: string): CommitProof | undefined {
    return this.proofs.get(sha);
  }

  add(sha: string, proof: CommitProof): void {
    this.proofs.set(sha, proof);
  }

  addCommits(commits: readonly CommitInfo[]): this {
    for (const c of commits) this.add(c.sha, proofOf(c));
    return this;
  }
}

export function proofOf(commit: CommitInfo): CommitProof {
  return {
    verified: commit.verified,
    ...(commit.authorLogin ? { author: commit.authorLogin } : {}),
    ...(commit.committerLogin ? { committer: commit.committerLogin } : {}),
  };
}

/** Every commit of `head` that `base` does not have, with its proof (one request per 250 commits). */
export async function proofsFromGitHub(
  gateway: GitHubGateway,
  head: string,
  base: string,
  identities: readonly string[],
): Promise<CommitProofs> {
  // a plan branch whose base moved on has diverged from it: its own commits are what counts
  return new CommitProofs(identities).addCommits(await gateway.listCommits(head, base, { diverged: true }));
}

/** A commit of GitHub's commit listing as the engine's history sees it (trailers parsed). */
export function historyCommitOf(commit: CommitInfo): HistoryCommit {
  return {
    sha: commit.sha,
    parents: commit.parents,
    subject: commit.message.split("\n")[0] ?? "",
    trailers: trailersOf(commit.message),
  };
}
