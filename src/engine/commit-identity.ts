/**
 * The one rule that decides whether a commit is Planwright's. Trailers (`Planwright-Plan`,
 * `Planwright-Task`, `Planwright-Revert`) are only what a commit claims: anyone who can push, and
 * any command that can run `git commit`, can type them. Where GitHub is involved, a claim counts
 * only with proof from GitHub itself: a commit whose signature GitHub verified and whose GitHub
 * author is the identity that lands Planwright's commits (the App's `<slug>[bot]`), which is what
 * the git data API produces for commits created with that identity's token, and what nobody
 * without it can produce. Without a proof source (a local run, offline) the trailers are the
 * record of the user's own repository.
 *
 * App, Action, state, rollback and verify-bundle all call {@link judgeCommit}.
 */
import { TRAILER_PLAN, TRAILER_REVERT, TRAILER_TASK, type HistoryCommit } from "./ports.js";

/** What GitHub says about one commit. */
export interface CommitProof {
  /** GitHub verified the commit's signature. */
  verified: boolean;
  /** GitHub logins of the commit's author and committer, when GitHub links them to accounts. */
  author?: string;
  committer?: string;
}

/** Where proofs come from, and whose commits they must show. */
export interface ProofSource {
  /** The proof of `sha`, or undefined when GitHub did not report the commit. */
  of(sha: string): CommitProof | undefined;
  /** Logins that land Planwright's commits, e.g. `planwright[bot]`. */
  identities: readonly string[];
}

/** The committer GitHub uses for the commits it signs itself. */
const GITHUB_SIGNER = "web-flow";

export type Claim = { kind: "task" | "revert"; task: string } | undefined;

/** What a commit claims to be for plan `planId`, from its trailers alone. */
export function claimOf(commit: Pick<HistoryCommit, "trailers">, planId: string): Claim {
  const t = commit.trailers;
  if (t[TRAILER_PLAN] !== planId) return undefined;
  if (t[TRAILER_REVERT] !== undefined) return { kind: "revert", task: t[TRAILER_REVERT] };
  if (t[TRAILER_TASK] !== undefined) return { kind: "task", task: t[TRAILER_TASK] };
  return undefined;
}

export interface Judgement {
  claim: Claim;
  /** The claim holds: the commit is Planwright's task or revert commit of this plan. */
  ours: boolean;
  /** Why a claim does not hold (names the commit and who made it). */
  reason?: string;
}

/** Whether `proof` shows a commit landed by one of `identities`. */
export function isProven(proof: CommitProof | undefined, identities: readonly string[]): boolean {
  if (!proof?.verified || proof.author === undefined) return false;
  const ids = new Set(identities.map((i) => i.toLowerCase()));
  const committer = proof.committer?.toLowerCase();
  return (
    ids.has(proof.author.toLowerCase()) &&
    (committer === undefined || committer === GITHUB_SIGNER || ids.has(committer))
  );
}

/** Judges one commit of the branch for plan `planId` (see the module comment). */
export function judgeCommit(
  commit: Pick<HistoryCommit, "sha" | "trailers" | "subject">,
  planId: string,
  proofs?: ProofSource,
): Judgement {
  const claim = claimOf(commit, planId);
  if (!claim || !proofs) return { claim, ours: claim !== undefined };
  const proof = proofs.of(commit.sha);
  if (isProven(proof, proofs.identities)) return { claim, ours: true };
  const who = proof?.author ?? proof?.committer ?? "an unknown author";
  const why = !proof
    ? "GitHub does not report it on the branch"
    : !proof.verified
      ? "its signature is not verified by GitHub"
      : `it was made by ${who}, not by ${proofs.identities.join(" or ")}`;
  return {
    claim,
    ours: false,
    reason:
      `commit ${commit.sha.slice(0, 7)} ("${commit.subject.slice(0, 80)}") by ${who} carries Planwright ` +
      `${claim.kind} trailers for ${claim.task}, but ${why}: it is not Planwright's`,
  };
}
