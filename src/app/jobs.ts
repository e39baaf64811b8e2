/**
 * The App's background jobs as plain data: what a webhook asked for, written to the journal before
 * GitHub gets its answer and run afterwards by {@link runJob} (./run-job.ts). Everything needed to
 * run a job again after a restart is in here; credentials are not (an installation token is made
 * again from the installation id).
 */
import type { Command } from "../flows/parse-command.js";
import type { PullRequest, Review } from "../github/gateway.js";

/** The repository and installation a job works on. */
export interface RepoRef {
  owner: string;
  repo: string;
  installationId: number;
  defaultBranch: string;
}

/** A slash command in an issue or PR comment, or the check run's Continue button. */
export interface CommandJob {
  kind: "command";
  repo: RepoRef;
  /** The issue or pull request the command was given on. */
  issue: number;
  isPull: boolean;
  command: Command;
  /** Who gave it. */
  actor: string;
  /** The comment (the idempotency key); undefined for a check-run button. */
  commentId?: number;
  /**
   * The plan PR a command given on an issue acts on, once a first job has found it: that job hands
   * the command over to run under the PR's key, in line with the PR's other work.
   */
  pull?: number;
  /** The actor's permission was checked by the job that handed the command over. */
  vetted?: boolean;
  /**
   * The actor is the user account that owns the repository (see `ownsRepository`), whose
   * permission is always admin: no lookup can refuse them.
   */
  actorOwnsRepo?: boolean;
  /** The issue's title, body and author from the webhook, which saves a request for `/plan`. */
  issueData?: { title: string; body: string; user: { login: string; type: string }; labels: string[] };
}

/** A review requesting changes: revise the plan. */
export interface ReviewJob {
  kind: "review";
  repo: RepoRef;
  pull: number;
  review: Review;
}

/** Reviews or the plan branch changed: evaluate the approval policy (and maybe execute). */
export interface EvaluateJob {
  kind: "evaluate";
  repo: RepoRef;
  pull: number;
  /** What triggered it, for logs (`review submitted`, `synchronize`). */
  reason: string;
  /** The PR as the webhook showed it, which saves reading it again. */
  pullData?: PullRequest;
  /** For a push: the head before it, to tell the Action's own task commits from other changes. */
  before?: string;
}

export type AppJob = CommandJob | ReviewJob | EvaluateJob;

/** Jobs of one issue or PR run one at a time. */
export function jobKey(repo: RepoRef, number: number): string {
  return `${repo.owner}/${repo.repo}#${number}`;
}

/** The repository of a webhook payload, or undefined when the delivery has no installation. */
export function repoRefOf(payload: {
  repository?: { name: string; owner: { login: string }; default_branch?: string } | null;
  installation?: { id: number } | null;
}): RepoRef | undefined {
  const repository = payload.repository;
  const installation = payload.installation;
  if (!repository || !installation) return undefined;
  return {
    owner: repository.owner.login,
    repo: repository.name,
    installationId: installation.id,
    defaultBranch: repository.default_branch ?? "main",
  };
}

/**
 * Whether the comment's author is the user account that owns the repository, from the payload
 * alone. Such an owner has admin permission on it, which meets any `who_can_command`, so asking the
 * permission API could not change the answer. Only this case is decided from the payload: an
 * organisation's owners show as MEMBER, and `author_association` is no proof of the absence of
 * permission either (members with private membership show as CONTRIBUTOR or NONE, yet may write
 * through a team), so every other author is asked about.
 */
export function ownsRepository(
  author: { login?: string | null; type?: string | null } | null | undefined,
  association: string | undefined,
  repository: { owner?: { login?: string | null; type?: string | null } | null } | null | undefined,
): boolean {
  const owner = repository?.owner;
  if (!author?.login || !owner?.login) return false;
  return (
    association === "OWNER" &&
    owner.type === "User" &&
    author.type === "User" &&
    author.login.toLowerCase() === owner.login.toLowerCase()
  );
}
