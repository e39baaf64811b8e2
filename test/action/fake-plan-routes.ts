/**
 * The fake GitHub's routes for `/plan` and `/cancel` in Action-only mode: pull requests opened
 * through the API, labels, issues, and the Actions API's workflow runs and their cancellation.
 */
import type { FakeGitHub } from "./fake-github.js";

/** A pull request opened through the API (by `/plan`). */
export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
}

/** A workflow run as the Actions API lists it. */
export interface FakeWorkflowRun {
  id: number;
  status: "queued" | "in_progress" | "waiting" | "pending" | "completed";
  conclusion?: string | null;
  event: string;
  /** The run's name as shown (`run-name`), e.g. "planwright #5 /execute". */
  displayTitle?: string;
  headBranch?: string;
  workflow?: string;
}

async function pullJson(fake: FakeGitHub, pull: FakePull): Promise<Record<string, unknown>> {
  const repo = { full_name: "o/r" };
  return {
    number: pull.number,
    title: pull.title,
    body: pull.body,
    state: "open",
    merged: false,
    user: { login: "planwright[bot]", type: "Bot" },
    head: { ref: pull.head, sha: (await fake.branchSha(pull.head)) ?? "", repo },
    base: { ref: pull.base, sha: (await fake.branchSha(pull.base)) ?? "", repo },
    html_url: `https://github.com/o/r/pull/${pull.number}`,
  };
}

function runJson(run: FakeWorkflowRun): Record<string, unknown> {
  const title = run.displayTitle ?? "planwright";
  return {
    id: run.id,
    name: "planwright",
    display_title: title,
    status: run.status,
    conclusion: run.conclusion ?? null,
    head_branch: run.headBranch ?? "main",
    event: run.event,
    html_url: `https://github.com/o/r/actions/runs/${run.id}`,
    created_at: "2026-01-01T00:00:00Z",
  };
}

/** Answers `key` (`METHOD /path`, repository prefix removed) when it is one of these routes. */
export async function planRoute(
  fake: FakeGitHub,
  key: string,
  params: URLSearchParams,
  body: unknown,
): Promise<[number, unknown] | undefined> {
  let m: RegExpExecArray | null;
  const opened = (n: number) => fake.opened.find((x) => x.number === n);
  if ((m = /^GET \/pulls\/(\d+)$/.exec(key)) && opened(Number(m[1]))) {
    return [200, await pullJson(fake, opened(Number(m[1]))!)];
  }
  if (key === "GET /pulls") {
    const head = (params.get("head") ?? "").replace(/^o:/, "");
    return [200, await Promise.all(fake.opened.filter((x) => x.head === head).map((x) => pullJson(fake, x)))];
  }
  if (key === "POST /pulls") {
    const b = body as Record<string, string>;
    if (fake.opened.some((x) => x.head === b.head))
      return [422, { message: "Validation Failed: a pull request already exists" }];
    const pull = {
      number: 6 + fake.opened.length,
      title: b.title ?? "",
      body: b.body ?? "",
      head: b.head ?? "",
      base: b.base ?? "",
    };
    fake.opened.push(pull);
    return [201, await pullJson(fake, pull)];
  }
  if ((m = /^GET \/issues\/(\d+)$/.exec(key))) {
    const issue = fake.issues.get(Number(m[1]));
    return issue ? [200, { number: Number(m[1]), ...issue, labels: [] }] : [404, { message: "Not Found" }];
  }
  if ((m = /^POST \/issues\/(\d+)\/labels$/.exec(key))) {
    const n = Number(m[1]);
    const list = [...new Set([...(fake.labels.get(n) ?? []), ...(body as { labels: string[] }).labels])];
    fake.labels.set(n, list);
    return [200, list.map((name) => ({ name }))];
  }
  if ((m = /^GET \/commits\/([^/]+)\/check-runs$/.exec(key))) {
    const runs = fake.checkRuns
      .filter((r) => r.head_sha === m![1] && r.name === params.get("check_name"))
      .reverse();
    return [200, { total_count: runs.length, check_runs: runs.map((r) => ({ ...r, external_id: null })) }];
  }
  if ((m = /^GET \/actions\/workflows\/([^/]+)\/runs$/.exec(key))) {
    const workflow = m[1];
    const status = params.get("status");
    const runs = fake.workflowRuns
      .filter((r) => (r.workflow ?? "planwright.yml") === workflow && (!status || r.status === status))
      .slice()
      .reverse();
    return [200, { total_count: runs.length, workflow_runs: runs.map((r) => runJson(r)) }];
  }
  if ((m = /^POST \/actions\/runs\/(\d+)\/cancel$/.exec(key))) {
    const run = fake.workflowRuns.find((r) => r.id === Number(m![1]));
    if (!run) return [404, { message: "Not Found" }];
    if (run.status === "completed")
      return [409, { message: "Cannot cancel a workflow run that is completed." }];
    fake.cancelled.push(run.id);
    run.status = "completed";
    run.conclusion = "cancelled";
    return [202, {}];
  }
  if ((m = /^GET \/git\/ref\/heads\/(.+)$/.exec(key))) {
    const sha = await fake.branchSha(decodeURIComponent(m[1] ?? ""));
    return sha
      ? [200, { ref: `refs/heads/${m[1]}`, object: { sha, type: "commit" } }]
      : [404, { message: "Not Found" }];
  }
  return undefined;
}
