/**
 * The I/O around the planner for `/plan`: which words of the issue thread may reach the model, the
 * repository context through the GitHub reader, and reading a committed plan back from a branch.
 */
import type { Config } from "../config.js";
import { ValidationError } from "../errors.js";
import type { GitHubGateway, Issue, IssueComment } from "../github/gateway.js";
import { githubRepoReader } from "../github/github-repo-reader.js";
import { generatePlan, type IssueInput, type PlannerOptions, type PlannerResult } from "../llm/planner.js";
import { formatProblems, loadPlan } from "../plan/load-plan.js";
import { assessPlanRisk, type PlanRisk } from "../plan/risk.js";
import type { Plan } from "../plan/schema.js";
import { planFilePath } from "./plan-pr.js";
import { keepTrusted, trustedAuthors } from "./trusted-authors.js";

export interface PlanFromIssueInput {
  /** The request, already sanitised. */
  request: string;
  /** True for a bare `/plan`: the issue's title and body are the request. */
  bare: boolean;
  issue: Issue;
  /** The issue's comments (the command itself and Planwright's own are left out here). */
  comments: readonly IssueComment[];
  commentId: number;
  requester: string;
  base: { name: string; sha: string };
  ourLogins: ReadonlySet<string>;
}

export interface PlanFromIssueOptions {
  planner: PlannerOptions;
  config: Config;
  maxFileReads?: number;
  log?: (line: string) => void;
}

/**
 * Plans the request with the repository at `base.sha` as context. The model sees the request, the
 * issue's title and body only when a bare `/plan` adopted them or their author may command
 * Planwright, and comments only of people who may command it (bots never).
 */
export async function planFromIssue(
  gateway: GitHubGateway,
  options: PlanFromIssueOptions,
  input: PlanFromIssueInput,
): Promise<PlannerResult & { risk: PlanRisk }> {
  const { config } = options;
  const deny = config.policy.paths?.deny ?? [];
  const reader = githubRepoReader(gateway, input.base.sha, {
    maxFileReads: options.maxFileReads ?? 60,
    exclude: deny,
  });
  const trusted = trustedAuthors(gateway, config.who_can_command, [input.requester]);
  const issueText = input.bare || (await trusted.allows(input.issue.user));
  const others = await keepTrusted(
    input.comments.filter(
      (c) =>
        c.id !== input.commentId && !input.ourLogins.has(c.user.login.toLowerCase()) && c.body.trim() !== "",
    ),
    trusted,
  );
  const issue: IssueInput = {
    number: input.issue.number,
    ...(issueText ? { title: input.issue.title, body: input.issue.body } : {}),
    comments: others.map((c) => ({ author: c.user.login, body: c.body })),
  };
  if (trusted.refused.size > 0) options.log?.(`left out text by ${[...trusted.refused].join(", ")}`);
  const result = await generatePlan(
    {
      request: input.request,
      issue,
      repo: reader,
      config: { policy: config.policy, defaults: config.defaults, budget: config.budget },
      base: { ref: input.base.name, sha: input.base.sha },
    },
    { ...options.planner, extraDeny: [...(options.planner.extraDeny ?? []), ...deny] },
  );
  options.log?.(`context: ${reader.fileReads} file reads, ${reader.skippedReads} over budget`);
  return { ...result, risk: assessPlanRisk(result.plan) };
}

/** The plan file of `planId` at `ref`, validated; a missing or invalid file is a ValidationError. */
export async function readPlanAt(
  gateway: GitHubGateway,
  planId: string,
  ref: string,
  extraDeny: readonly string[],
): Promise<{ plan: Plan; risk: PlanRisk; text: string }> {
  const path = planFilePath(planId);
  const file = await gateway.readFile(path, ref);
  if (!file) throw new ValidationError(`${path} is missing at ${ref.slice(0, 7)}`);
  const loaded = loadPlan(file.content, { extraDeny });
  if (!loaded.plan)
    throw new ValidationError(`${path} does not validate:\n${formatProblems(path, loaded.diagnostics)}`);
  return { plan: loaded.plan, risk: assessPlanRisk(loaded.plan), text: file.content };
}
