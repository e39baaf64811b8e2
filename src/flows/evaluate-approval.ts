/**
 * The approval flow: after a review (or on `/status`, or before a dispatch), read what GitHub says
 * about a plan PR, decide with the approval policy, show the outcome in the `planwright` check run
 * on the head, and, when the approvals hold and `execution.auto_execute` is on, dispatch the
 * execution workflow on the default branch.
 *
 * GitHub requests are the budget here: reviews are read in one paginated call, permissions and
 * plan blobs only for the reviews that can still count, each at most once per run (see
 * {@link ApprovalCache}), and an approval on the head commit reuses the head's plan blob. For a
 * single reviewer who approved the head that is: the PR, the plan at the head, one permission and
 * the check run (plus the dispatch).
 */
import type { Config } from "../config.js";
import { messageOf } from "../errors.js";
import type { CheckRunInput, GitHubGateway, Permission, PullRequest } from "../github/gateway.js";
import { loadPlan } from "../plan/load-plan.js";
import { assessPlanRisk } from "../plan/risk.js";
import type { RiskLevel } from "../plan/schema.js";
import { redact } from "../redact.js";
import {
  evaluateApprovalPolicy,
  isBot,
  latestDecisive,
  permissionAtLeast,
  type ApprovalResult,
} from "./approval-policy.js";

/** Name of the check run that carries the plan's status on the PR head (as in plan-pr.ts). */
const PLAN_CHECK = "planwright";

/** Answers kept for one run (one webhook delivery or one command), so nothing is asked twice. */
export interface ApprovalCache {
  /** By lowercase login. */
  permissions: Map<string, Permission>;
  /** Plan blob by commit sha (`undefined`: no plan file there). */
  blobs: Map<string, string | undefined>;
}

export function createApprovalCache(): ApprovalCache {
  return { permissions: new Map(), blobs: new Map() };
}

export interface EvaluateApprovalInput {
  gateway: GitHubGateway;
  /** The PR number, or the PR itself when the caller has it (a webhook payload): one request less. */
  pull: number | PullRequest;
  /** The configuration from the default branch. */
  config: Config;
  /** The plan file, e.g. `.planwright/plans/42-add-2fa.yaml`. */
  planPath: string;
  /** Who asked for the plan, for `approvals.allow_requester: false`. */
  requester?: string;
  /** Our own app's logins: its reviews never count. */
  botLogins?: readonly string[];
  /** The default branch's name when known (webhook payloads carry it): saves two requests. */
  defaultBranch?: string;
  cache?: ApprovalCache;
  /** Create the check run (default true). */
  report?: boolean;
  /** Dispatch the workflow when approved and `auto_execute` is on (default true). */
  dispatch?: boolean;
}

export interface EvaluateApprovalResult {
  /** The policy's verdict; undefined when the plan could not be read or does not validate. */
  approval?: ApprovalResult;
  satisfied: boolean;
  /** One line: the check run's title. */
  summary: string;
  pull: number;
  headSha: string;
  planBlob?: string;
  risk?: RiskLevel;
  dispatched: boolean;
  checkRunId?: number;
}

function checkRun(
  headSha: string,
  fields: Omit<CheckRunInput, "name" | "headSha" | "summary"> & { summary: string[] },
): CheckRunInput {
  return {
    name: PLAN_CHECK,
    headSha,
    ...fields,
    title: redact(fields.title),
    summary: redact(fields.summary.join("\n")),
  };
}

const HOW_TO_APPROVE =
  "Approve the pull request (Review changes → Approve) with write access; an approval counts only for the plan file as it is now.";

/** Gathers, decides, reports and (when allowed) dispatches; see the module comment. Throws only typed gateway errors. */
export async function evaluateApproval(input: EvaluateApprovalInput): Promise<EvaluateApprovalResult> {
  const { gateway, config, planPath } = input;
  const cache = input.cache ?? createApprovalCache();
  const pull = typeof input.pull === "number" ? await gateway.getPull(input.pull) : input.pull;
  const [reviews, planFile] = await Promise.all([
    gateway.listReviews(pull.number),
    gateway.readFile(planPath, pull.headSha),
  ]);
  const base = { pull: pull.number, headSha: pull.headSha, dispatched: false };
  const report = async (run: CheckRunInput): Promise<number | undefined> =>
    input.report === false ? undefined : (await gateway.createCheckRun(run)).id;

  cache.blobs.set(pull.headSha, planFile?.sha);
  if (!planFile) {
    const summary = `no plan file at ${planPath} on the head commit`;
    const checkRunId = await report(
      checkRun(pull.headSha, {
        status: "completed",
        conclusion: "failure",
        title: summary,
        summary: [summary, "", "Run `/plan <request>` on the issue to create one."],
      }),
    );
    return { ...base, satisfied: false, summary, checkRunId };
  }
  const loaded = loadPlan(planFile.content, { extraDeny: config.policy.paths?.deny ?? [] });
  if (!loaded.plan) {
    const problems = loaded.diagnostics.filter((d) => d.severity === "error");
    const summary = `the plan does not validate (${problems.length} problem${problems.length === 1 ? "" : "s"})`;
    const checkRunId = await report(
      checkRun(pull.headSha, {
        status: "completed",
        conclusion: "failure",
        title: summary,
        summary: [
          `${planPath} does not validate, so it cannot be approved:`,
          "",
          ...problems.slice(0, 20).map((d) => `- line ${d.line}, column ${d.col}: ${d.message}`),
          "",
          "Fix the file or run `/revise <instruction>`.",
        ],
        annotations: problems.slice(0, 50).map((d) => ({
          path: planPath,
          startLine: d.line,
          endLine: d.line,
          level: "failure" as const,
          message: d.message,
        })),
      }),
    );
    return { ...base, satisfied: false, summary, planBlob: planFile.sha, checkRunId };
  }
  const plan = loaded.plan;
  const risk = assessPlanRisk(plan).level;
  const ours = new Set((input.botLogins ?? []).map((l) => l.toLowerCase().replace(/\[bot\]$/, "")));
  const candidates = latestDecisive(reviews).filter(
    (r) =>
      r.state !== "DISMISSED" &&
      !isBot(r.user) &&
      !ours.has(r.user.login.toLowerCase().replace(/\[bot\]$/, "")),
  );

  // Permissions of everyone whose latest review can count or block, each asked once.
  const logins = [...new Set(candidates.map((r) => r.user.login.toLowerCase()))];
  await Promise.all(
    logins
      .filter((login) => !cache.permissions.has(login))
      .map(async (login) => cache.permissions.set(login, await gateway.permissionOf(login))),
  );
  // Plan blobs only where an approval could count: write permission, and not the excluded requester.
  const requester = input.requester?.toLowerCase();
  const commits = new Set(
    candidates
      .filter((r) => r.state === "APPROVED")
      .filter((r) => permissionAtLeast(cache.permissions.get(r.user.login.toLowerCase()) ?? "none", "write"))
      .filter((r) => config.approvals.allow_requester || r.user.login.toLowerCase() !== requester)
      .map((r) => r.commitId)
      // A missing commit id must not become "the default branch" in a contents request.
      .filter((commit) => /^[0-9a-f]{40}$/.test(commit) && !cache.blobs.has(commit)),
  );
  await Promise.all(
    [...commits].map(async (commit) =>
      cache.blobs.set(commit, (await gateway.readFile(planPath, commit))?.sha),
    ),
  );

  const approval = evaluateApprovalPolicy({
    reviews,
    permissions: cache.permissions,
    planBlobAt: cache.blobs,
    currentPlanBlob: planFile.sha,
    risk,
    ...(input.requester !== undefined ? { requester: input.requester } : {}),
    config: config.approvals,
    ...(input.botLogins ? { botLogins: input.botLogins } : {}),
  });
  const facts = { ...base, approval, planBlob: planFile.sha, risk };
  const details = [
    `Plan \`${plan.id}\`, risk **${risk}**: ${approval.required} approval${approval.required === 1 ? "" : "s"} needed.`,
    "",
    ...approval.counted.map((c) => `- counted: @${c.login}`),
    ...approval.changesRequested.map((login) => `- changes requested: @${login} (blocks)`),
    ...approval.ignored.map((i) => `- not counted: @${i.login}'s ${i.reason}`),
  ];

  if (!approval.satisfied) {
    const summary = `awaiting approval: ${approval.summary}`;
    const checkRunId = await report(
      checkRun(pull.headSha, {
        status: "completed",
        conclusion: "action_required",
        title: summary,
        externalId: plan.id,
        summary: [...details, "", HOW_TO_APPROVE],
      }),
    );
    return { ...facts, satisfied: false, summary, checkRunId };
  }

  const blocked =
    pull.state !== "open"
      ? "the pull request is closed"
      : pull.fromFork && !config.execution.allow_forks
        ? "the pull request comes from a fork (execution.allow_forks is false)"
        : undefined;
  const wantDispatch = input.dispatch !== false && config.execution.auto_execute && blocked === undefined;
  if (!wantDispatch) {
    const why = blocked ?? (config.execution.auto_execute ? undefined : "comment /execute to run it");
    const summary = why ? `${approval.summary}; ${why}` : approval.summary;
    const checkRunId = await report(
      checkRun(pull.headSha, {
        status: "completed",
        conclusion: blocked ? "neutral" : "action_required",
        title: summary,
        externalId: plan.id,
        summary: details,
        ...(blocked
          ? {}
          : { actions: [{ label: "Execute", identifier: "execute", description: "Run the approved plan" }] }),
      }),
    );
    return { ...facts, satisfied: true, summary, checkRunId };
  }

  const ref = input.defaultBranch ?? (await gateway.defaultBranch()).name;
  const workflow = config.execution.workflow;
  try {
    await gateway.dispatchWorkflow(workflow, ref, {
      command: "execute",
      pr: String(pull.number),
      plan: planPath,
      "plan-blob": planFile.sha,
    });
  } catch (error) {
    const summary = `${approval.summary}; could not start workflow ${workflow}: ${messageOf(error).split("\n")[0]}`;
    const checkRunId = await report(
      checkRun(pull.headSha, {
        status: "completed",
        conclusion: "failure",
        title: summary,
        externalId: plan.id,
        summary: [
          ...details,
          "",
          `Check that .github/workflows/${workflow} exists on ${ref}, then comment \`/execute\`.`,
        ],
      }),
    );
    return { ...facts, satisfied: true, summary, checkRunId };
  }
  const summary = `${approval.summary}, executing`;
  const checkRunId = await report(
    checkRun(pull.headSha, {
      status: "in_progress",
      title: summary,
      externalId: plan.id,
      summary: [...details, "", `Workflow ${workflow} dispatched on ${ref}.`],
    }),
  );
  return { ...facts, satisfied: true, summary, dispatched: true, checkRunId };
}
