/**
 * Sandbox routes for pull requests, reviews, review comments, check runs and workflows. A pull
 * request's head sha is always read from the bare repository, so pushes show at once; a workflow
 * dispatch records a run and hands it to the sandbox's runner.
 */
import type { CheckRunRecord } from "./sandbox-state.js";
import { notFound, paginate, unprocessable, type RouteContext, type RouteDef } from "./route-kit.js";

function pullOf(context: RouteContext) {
  const issue = context.state.issues.get(Number(context.params.pull_number));
  return issue?.pull ? issue : undefined;
}

const CHECK_LIMIT = 65535;

/** Applies a check run create/update body; a summary over GitHub's limit is a 422, as on GitHub. */
function applyCheck(context: RouteContext, run: CheckRunRecord): string | undefined {
  const body = context.body ?? {};
  const output = body.output as
    { title?: string; summary?: string; text?: string; annotations?: unknown[] } | undefined;
  if (output) {
    if ((output.summary ?? "").length > CHECK_LIMIT || (output.text ?? "").length > CHECK_LIMIT) {
      return "Invalid request: output summary or text is too long";
    }
    if ((output.annotations ?? []).length > 50) return "Invalid request: more than 50 annotations";
    run.output = { title: output.title ?? null, summary: output.summary ?? null, text: output.text ?? null };
    run.annotations.push(...(output.annotations ?? []));
    run.history.push([output.title, output.summary, output.text].filter(Boolean).join("\n"));
  }
  if (Array.isArray(body.actions)) {
    if (body.actions.length > 3) return "Invalid request: more than 3 actions";
    run.actions = body.actions;
  }
  if (typeof body.status === "string") run.status = body.status;
  if (typeof body.conclusion === "string") {
    run.conclusion = body.conclusion;
    run.status = "completed";
  }
  if (run.status === "completed") run.completedAt ??= context.state.now();
  if (typeof body.external_id === "string") run.externalId = body.external_id;
  if (typeof body.details_url === "string") run.detailsUrl = body.details_url;
  return undefined;
}

export const pullRoutes: RouteDef[] = [
  [
    "GET",
    "/repos/{owner}/{repo}/pulls",
    async (context) => {
      const { state, query } = context;
      const head = query.get("head");
      const wanted = query.get("state") ?? "open";
      const matches = [...state.issues.values()].filter(
        (issue) =>
          issue.pull &&
          (wanted === "all" || issue.state === wanted) &&
          (!head || `${state.owner}:${issue.pull.head}` === head),
      );
      const { items, headers } = paginate(context, matches.reverse());
      return { status: 200, body: await Promise.all(items.map((issue) => state.pullJson(issue))), headers };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/pulls",
    async (context) => {
      const { state } = context;
      const head = String(context.body?.head ?? "").replace(/^[^:]+:/, "");
      const base = String(context.body?.base ?? "");
      if (!(await state.git.branchHead(head)) || !(await state.git.branchHead(base))) {
        return unprocessable("Validation Failed: head or base does not exist");
      }
      const open = [...state.issues.values()].find((i) => i.pull?.head === head && i.state === "open");
      if (open) return unprocessable(`A pull request already exists for ${state.owner}:${head}.`);
      const issue = state.addIssue(
        context.actor,
        String(context.body?.title ?? ""),
        String(context.body?.body ?? ""),
        {
          head,
          base,
          merged: false,
        },
      );
      const json = await state.pullJson(issue);
      state.pullHeads.set(issue.number, String((json.head as { sha: string }).sha));
      context.hooks.deliver("pull_request", { action: "opened", number: issue.number, pull_request: json });
      return { status: 201, body: json };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    async (context) => {
      const issue = pullOf(context);
      return issue ? { status: 200, body: await context.state.pullJson(issue) } : notFound();
    },
  ],

  [
    "PATCH",
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    async (context) => {
      const issue = pullOf(context);
      if (!issue) return notFound();
      if (typeof context.body?.title === "string") issue.title = context.body.title;
      if (typeof context.body?.body === "string") issue.body = context.body.body;
      context.state.pullBodies.push(issue.body, issue.title);
      return { status: 200, body: await context.state.pullJson(issue) };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    (context) => {
      const issue = pullOf(context);
      if (!issue) return notFound();
      const all = [...context.state.reviews.values()].filter((r) => r.pull === issue.number);
      const { items, headers } = paginate(context, all);
      return { status: 200, body: items.map((r) => context.state.reviewJson(r)), headers };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
    (context) => {
      const issue = pullOf(context);
      if (!issue) return notFound();
      const all = [...context.state.reviewComments.values()].filter((c) => c.pull === issue.number);
      const { items, headers } = paginate(context, all);
      return { status: 200, body: items.map((c) => context.state.reviewCommentJson(c)), headers };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments",
    (context) => {
      const issue = pullOf(context);
      const reviewId = Number(context.params.review_id);
      if (!issue || !context.state.reviews.has(reviewId)) return notFound();
      const all = [...context.state.reviewComments.values()].filter((c) => c.reviewId === reviewId);
      const { items, headers } = paginate(context, all);
      const body = items.map((c) => {
        const {
          line: _line,
          original_line: _original,
          side: _side,
          ...rest
        } = context.state.reviewCommentJson(c);
        return { ...rest, position: c.line, original_position: c.line };
      });
      return { status: 200, body, headers };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/check-runs",
    async (context) => {
      const { state } = context;
      const headSha = String(context.body?.head_sha ?? "");
      if ((await state.git.objectType(headSha)) !== "commit")
        return unprocessable("No commit found for SHA: " + headSha);
      const run: CheckRunRecord = {
        id: state.id(),
        name: String(context.body?.name ?? ""),
        headSha,
        status: "queued",
        conclusion: null,
        externalId: null,
        detailsUrl: null,
        output: { title: null, summary: null, text: null },
        actions: [],
        annotations: [],
        startedAt: state.now(),
        completedAt: null,
        history: [],
        app: context.actor,
      };
      const problem = applyCheck(context, run);
      if (problem) return unprocessable(problem);
      state.checkRuns.set(run.id, run);
      return { status: 201, body: state.checkRunJson(run) };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    (context) => {
      const run = context.state.checkRuns.get(Number(context.params.check_run_id));
      return run ? { status: 200, body: context.state.checkRunJson(run) } : notFound();
    },
  ],

  [
    "PATCH",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    (context) => {
      const run = context.state.checkRuns.get(Number(context.params.check_run_id));
      if (!run) return notFound();
      const problem = applyCheck(context, run);
      return problem ? unprocessable(problem) : { status: 200, body: context.state.checkRunJson(run) };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    async (context) => {
      const { state, query } = context;
      const sha = await state.git.resolve(context.params.ref ?? "");
      if (!sha) return notFound();
      let runs = [...state.checkRuns.values()].filter((r) => r.headSha === sha);
      const name = query.get("check_name");
      if (name) runs = runs.filter((r) => r.name === name);
      if ((query.get("filter") ?? "latest") === "latest") {
        const latest = new Map<string, CheckRunRecord>();
        for (const run of runs) latest.set(run.name, run);
        runs = [...latest.values()];
      }
      runs.reverse();
      const { items, headers } = paginate(context, runs);
      return {
        status: 200,
        body: { total_count: runs.length, check_runs: items.map((r) => state.checkRunJson(r)) },
        headers,
      };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
    async (context) => {
      const { state } = context;
      const workflowId = context.params.workflow_id ?? "";
      const ref = String(context.body?.ref ?? "");
      const headSha = await state.git.branchHead(ref);
      if (!headSha) return unprocessable(`No ref found for: ${ref}`);
      if (!(await state.git.pathBlob(headSha, `.github/workflows/${workflowId}`)))
        return notFound("Not Found");
      const inputs: Record<string, string> = {};
      for (const [key, value] of Object.entries(context.body?.inputs ?? {})) inputs[key] = String(value);
      const run = state.addWorkflowRun(workflowId, ref, headSha, inputs);
      context.hooks.startRun(run);
      return { status: 204 };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
    (context) => {
      const { state, query } = context;
      let runs = [...state.workflowRuns.values()].filter((r) => r.workflowId === context.params.workflow_id);
      const status = query.get("status");
      if (status) runs = runs.filter((r) => r.status === status || r.conclusion === status);
      const branch = query.get("branch");
      if (branch) runs = runs.filter((r) => r.headBranch === branch);
      runs.reverse();
      const { items, headers } = paginate(context, runs);
      return {
        status: 200,
        body: { total_count: runs.length, workflow_runs: items.map((r) => state.workflowRunJson(r)) },
        headers,
      };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel",
    (context) => {
      const run = context.state.workflowRuns.get(Number(context.params.run_id));
      if (!run) return notFound();
      if (run.status === "completed")
        return { status: 409, body: { message: "Cannot cancel a workflow run that is completed." } };
      run.abort.abort();
      return { status: 202, body: {} };
    },
  ],
];
