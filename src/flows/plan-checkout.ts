/**
 * A plan's pull request checked out: the PR read from GitHub, the configuration from the default
 * branch (never from the PR branch), the PR branch fetched with its full history and checked out,
 * and its plan file loaded. What every flow on a plan's pull request starts from.
 */
import { CONFIG_FILE, parseConfig, formatConfigDiagnostic, type Config } from "../config.js";
import type { Clock } from "../engine/ports.js";
import type { CommandSandbox } from "../engine/sandbox.js";
import { ConflictError, PlanwrightError, UsageError } from "../errors.js";
import type { GitHubGateway, PullRequest } from "../github/gateway.js";
import type { GitWorkspace } from "../git/git-workspace.js";
import { formatProblems, loadPlan } from "../plan/load-plan.js";
import { ACTIONS_IDENTITY, proofsFromGitHub, type CommitProofs } from "./commit-proofs.js";
import type { Plan } from "../plan/schema.js";

/** Where a plan lives on its pull request, checked out and loaded. */
export interface PlanCheckout {
  pull: PullRequest;
  config: Config;
  plan: Plan;
  planPath: string;
  /** Git blob sha of the plan file at the head. */
  planBlob: string;
  head: string;
}

/** What every flow on a plan's pull request needs. */
export interface PlanFlowDeps {
  gateway: GitHubGateway;
  /** The Action's checkout (any branch; the flow fetches and checks out the PR branch). */
  workspace: GitWorkspace;
  /** The git remote of the repository ("origin"). */
  remote?: string;
  /**
   * For an allowed pull request from a fork: the fork's remote (name or URL) to fetch the branch
   * from and push to. The fork must allow edits from maintainers.
   */
  forkRemote?: string;
  /**
   * Pushes `sha` (the commit the apply-time check verified; HEAD when absent) to the branch only
   * while the remote branch is at `expectedRemoteHead` (checked by the server, e.g.
   * pushWithToken's lease); the credential seam. Without it: the workspace's own push after an
   * `ls-remote` check.
   */
  push?: (remote: string, branch: string, expectedRemoteHead: string, sha?: string) => Promise<void>;
  /** Link for check runs (the workflow run) and the commit URL prefix for tables. */
  detailsUrl?: string;
  commitUrl?: string;
  /** Spacing of plan check run and status comment updates (3 s and 5 min by default). */
  checkIntervalMs?: number;
  commentIntervalMs?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
  /** Called with the plan check run's id whenever one is created. */
  onCheckRun?: (id: number) => void;
  /**
   * GitHub logins whose verified commits are Planwright's (the App's `<slug>[bot]`); the
   * workflow token's `github-actions[bot]` when absent. See engine/commit-identity.ts.
   */
  identities?: readonly string[];
  /**
   * Lands commits through GitHub's API instead of pushing them (see api-landing.ts): what the
   * Action uses, so that every task commit on GitHub is a verified commit of its identity.
   */
  land?: CommitLander;
  /**
   * The sandbox for the plan's commands, from the repository's configuration (see
   * command-sandbox.ts); commands run as they are when absent. A PolicyError refuses the run.
   */
  sandboxFor?: (config: Config) => Promise<CommandSandbox>;
}

/** Lands local commits (oldest first, on top of `expected`) on `branch`; resolves to what landed. */
export type CommitLander = (input: {
  branch: string;
  expected: string;
  sha: string;
  /** The run's proofs, told about every landed commit. */
  proofs?: CommitProofs;
}) => Promise<{ head: string; landed: [string, string][] }>;

/** The remote the pull request's branch lives on: the fork's for a pull request from a fork. */
export function remoteOf(deps: PlanFlowDeps, pull: PullRequest): string {
  return (pull.fromFork ? deps.forkRemote : undefined) ?? deps.remote ?? "origin";
}

/** Reads the configuration from the default branch (never from the PR branch). */
export async function readConfig(gateway: GitHubGateway): Promise<Config> {
  const branch = await gateway.defaultBranch();
  const file = await gateway.readFile(CONFIG_FILE, branch.sha);
  const result = parseConfig(file?.content);
  if (!result.config) {
    const first = result.diagnostics.find((d) => d.severity === "error");
    throw new UsageError(first ? formatConfigDiagnostic(CONFIG_FILE, first) : `${CONFIG_FILE} is invalid`);
  }
  return result.config;
}

/**
 * The PR branch's head as a local ref. Fetched when the remote lets us; a private repository's
 * remote needs credentials the checkout does not keep, so then the branch that `actions/checkout`
 * fetched (`fetch-depth: 0`) is used, but only while it is where GitHub says the head is.
 */
async function fetchBranch(deps: PlanFlowDeps, remote: string, pull: PullRequest): Promise<string> {
  const { workspace } = deps;
  const branch = pull.headRef;
  const fetched = await workspace.git(
    [
      "fetch",
      "--quiet",
      "--no-tags",
      "--",
      remote,
      `+refs/heads/${branch}:refs/remotes/planwright-pr/${branch}`,
    ],
    { okCodes: [0, 1, 128] },
  );
  if (fetched.code === 0) return `refs/remotes/planwright-pr/${branch}`;
  const local = `refs/remotes/${remote}/${branch}`;
  const sha = await workspace.git(["rev-parse", "--verify", "--quiet", `${local}^{commit}`], {
    okCodes: [1, 128],
  });
  if (sha.code !== 0) {
    throw new UsageError(
      `cannot fetch ${branch} from ${remote} and the checkout does not have it: check out with fetch-depth: 0`,
    );
  }
  if (sha.stdout.trim() !== pull.headSha) {
    throw new ConflictError(
      `the checkout has ${branch} at ${sha.stdout.trim().slice(0, 7)}, GitHub at ${pull.headSha.slice(0, 7)}; run again`,
    );
  }
  return local;
}

/** Fetches the PR branch (full history), checks it out and loads its plan. */
export async function checkoutPlan(
  deps: PlanFlowDeps,
  pullNumber: number,
  planPath?: string,
): Promise<PlanCheckout> {
  const { gateway, workspace } = deps;
  const pull = await gateway.getPull(pullNumber);
  if (pull.state !== "open")
    throw new UsageError(`pull request #${pullNumber} is ${pull.merged ? "merged" : "closed"}`);
  const config = await readConfig(gateway);
  if (pull.fromFork && !config.execution.allow_forks) {
    throw new PlanwrightError(
      "policy",
      `pull request #${pullNumber} comes from a fork; set execution.allow_forks in ${CONFIG_FILE} to execute it`,
    );
  }
  if (pull.fromFork && !deps.forkRemote) {
    throw new UsageError(
      `pull request #${pullNumber} comes from a fork: give the fork's clone URL (input fork-remote) to fetch and push its branch`,
    );
  }
  const branch = pull.headRef;
  const remote = remoteOf(deps, pull);
  await workspace.git(["checkout", "--quiet", "-B", branch, await fetchBranch(deps, remote, pull)]);
  const head = await workspace.head();
  const path = planPath ?? `.planwright/plans/${branch.replace(/^planwright\//, "")}.yaml`;
  const blob = await workspace.git(["rev-parse", "--verify", "--quiet", `HEAD:${path}`], {
    okCodes: [1, 128],
  });
  if (blob.code !== 0)
    throw new UsageError(`${path}: no such file on branch ${branch} (pass the plan input)`);
  const text = (await workspace.git(["cat-file", "blob", blob.stdout.trim()])).stdout;
  const loaded = loadPlan(text, {
    extraDeny: config.policy.paths?.deny ?? [],
    protected: config.policy.protected ?? {},
  });
  if (!loaded.plan)
    throw new UsageError(
      formatProblems(path, loaded.diagnostics.filter((d) => d.severity === "error").slice(0, 5)),
    );
  return { pull, config, plan: loaded.plan, planPath: path, planBlob: blob.stdout.trim(), head };
}

/**
 * GitHub's proofs for every commit of the pull request's branch that its base does not have
 * (engine/commit-identity.ts): one compare request per 250 commits.
 */
export async function proofsOfBranch(deps: PlanFlowDeps, co: PlanCheckout): Promise<CommitProofs> {
  const identities = deps.identities ?? [ACTIONS_IDENTITY];
  return proofsFromGitHub(deps.gateway, co.head, co.pull.baseRef, identities);
}
