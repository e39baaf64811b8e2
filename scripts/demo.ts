/**
 * The offline demo (`npm run demo`): the GitHub cycle with no GitHub account, no API key and no
 * network. The real App (on its Probot server) and the real Action bundle (action/dist/index.js)
 * run against the local GitHub stand-in holding examples/repo, with the model played by the bundled
 * cassette. A maintainer asks for a plan, a reviewer requests a change, the plan is revised and
 * approved, executes with a check run per task (pausing at its checkpoint until Continue), and is
 * rolled back one task and then entirely. Each step prints what a maintainer would see on GitHub.
 * `npm run demo:cli` is the same plan through the command line only.
 */
import type { World } from "../test/e2e/e2e-harness.js";
import { CHECKPOINT_REQUEST } from "../test/playground/cassette-responder.js";
import {
  BOT,
  buttonsOf,
  checkRunsOn,
  pressButton,
  pulls,
  startDemoWorld,
} from "../test/playground/demo-world.js";
import type { IssueRecord } from "../test/sandbox/sandbox-state.js";

const color = process.stdout.isTTY && !process.env["NO_COLOR"];
const bold = (s: string) => (color ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (s: string) => (color ? `\u001b[2m${s}\u001b[22m` : s);
const out = (s = "") => process.stdout.write(`${s}\n`);
const started = Date.now();

function step(title: string): void {
  out(`\n${bold(`━━ ${title}`)}`);
}

/** Markdown as a terminal shows it well enough: no hidden markers or HTML, indented, at most `max` lines. */
function show(markdown: string, max = 18): void {
  const lines = markdown
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<\/?(details|summary|br|sub|sup|b|i|code)[^>]*>/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
    .split("\n");
  for (const line of lines.slice(0, max)) out(`  │ ${line}`);
  if (lines.length > max) out(`  │ ${dim(`… ${lines.length - max} more lines`)}`);
}

function statusComment(world: World, pull: IssueRecord): string {
  return (
    [...world.github.state.comments.values()]
      .filter((c) => c.issue === pull.number && c.user === BOT && c.body.includes("planwright:status"))
      .at(-1)?.body ?? "(no status comment yet)"
  );
}

async function headOf(world: World, pull: IssueRecord): Promise<string> {
  return (await world.github.git.branchHead(pull.pull?.head ?? "")) ?? "";
}

async function showChecks(world: World, pull: IssueRecord): Promise<void> {
  const head = await headOf(world, pull);
  out(`  Checks on ${head.slice(0, 7)}:`);
  const commits = await world.github.git.revList(`refs/heads/${pull.pull?.head}`, "refs/heads/main");
  const shown = new Set<number>();
  for (const sha of [head, ...commits]) {
    for (const run of checkRunsOn(world, sha)) {
      if (shown.has(run.id) || (sha !== head && run.name === "planwright")) continue;
      shown.add(run.id);
      const state = run.status === "completed" ? (run.conclusion ?? "") : run.status;
      const buttons = buttonsOf(run)
        .map((b) => `[${b.label}]`)
        .join(" ");
      out(
        `    ${mark(state)} ${run.name.padEnd(28)} ${state.padEnd(16)} ${run.output.title ?? ""} ${buttons}`,
      );
    }
  }
}

function mark(state: string): string {
  if (state === "success") return "✓";
  if (state === "failure" || state === "cancelled") return "✗";
  if (state === "action_required" || state === "neutral") return "●";
  return "…";
}

async function branchLog(world: World, pull: IssueRecord): Promise<void> {
  const { git } = world.github;
  const shas = (await git.revList(`refs/heads/${pull.pull?.head}`, "refs/heads/main")).reverse();
  out(`  $ git log --oneline main..${pull.pull?.head}`);
  for (const sha of shas.reverse()) {
    const subject = (await git.commit(sha)).message.split("\n")[0];
    out(`    ${sha.slice(0, 7)} ${subject}`);
  }
}

function finished(world: World, command: string, task?: string) {
  return [...world.github.state.workflowRuns.values()].find(
    (r) => r.status === "completed" && r.inputs.command === command && r.inputs.task === task,
  );
}

function workflowRuns(world: World): number {
  return [...world.github.state.workflowRuns.values()].filter((r) => r.status === "completed").length;
}

const world = await startDemoWorld(
  process.env["DEMO_LOGS"] ? { onRunLog: (log) => process.stderr.write(log) } : {},
);
let failed = false;
try {
  const { github } = world;
  out(bold("Planwright on a local GitHub: the App and the Action, with Claude replayed from a cassette"));
  out(dim(`  repository acme/accounts (examples/repo) · people: @maya (maintainer), @rob and @sam (write)`));

  step("1. @maya asks for a plan on an issue");
  const issue = await github.createIssue(
    "maya",
    "Two-factor login",
    "Users want to protect their accounts with 2FA.",
  );
  out(`  #${issue.number} ${issue.title}`);
  out(`  @maya commented: /plan add 2FA`);
  await github.comment("maya", issue.number, "/plan add 2FA");
  const pull = await world.waitFor("the plan PR", () => pulls(world)[0], 120_000);

  step(`2. Planwright opens the plan pull request #${pull.number}`);
  out(`  ${bold(pull.title)}  ${dim(`${pull.pull?.head} → main · labels: ${pull.labels.join(", ")}`)}`);
  show(pull.body, 24);
  await showChecks(world, pull);
  out(`  Status comment on #${pull.number}:`);
  show(statusComment(world, pull), 10);

  step("3. @rob requests a change, inline on the plan file");
  const firstHead = await headOf(world, pull);
  out(`  @rob: "${CHECKPOINT_REQUEST}"`);
  await github.review("rob", pull.number, {
    state: "CHANGES_REQUESTED",
    body: "One change before this runs.",
    comments: [
      {
        path: `.planwright/plans/${pull.pull?.head.replace("planwright/", "")}.yaml`,
        line: 30,
        body: CHECKPOINT_REQUEST,
      },
    ],
  });
  await world.waitFor(
    "the revision",
    async () => ((await headOf(world, pull)) !== firstHead ? true : undefined),
    120_000,
  );
  out(
    `  Planwright revised the plan on the branch (${(await headOf(world, pull)).slice(0, 7)}). Status comment:`,
  );
  show(statusComment(world, pull), 14);

  step("4. @rob and @sam approve (the plan is high risk: two approvals)");
  await github.review("rob", pull.number, { state: "APPROVED" });
  await world.settle();
  await showChecks(world, pull);
  await github.review("sam", pull.number, { state: "APPROVED" });
  await world.waitFor("the execution", () => finished(world, "execute"), 180_000);

  step("5. The Action executes: one commit and one check run per task, then waits at the checkpoint");
  await showChecks(world, pull);
  await branchLog(world, pull);
  out(`  Status comment:`);
  show(statusComment(world, pull), 12);

  step("6. @maya presses Continue on the planwright check run");
  const planCheck = checkRunsOn(world, await headOf(world, pull)).find((r) => r.name === "planwright");
  const button = planCheck ? buttonsOf(planCheck).find((b) => b.identifier === "continue") : undefined;
  if (!planCheck || !button) throw new Error("the plan check run offers no Continue button");
  const runsBefore = workflowRuns(world);
  await pressButton(world, "maya", planCheck.id, "continue", pull);
  await world.waitFor(
    "the continued run",
    () => (workflowRuns(world) > runsBefore ? true : undefined),
    180_000,
  );
  await showChecks(world, pull);
  await branchLog(world, pull);
  out(`  Status comment:`);
  show(statusComment(world, pull), 12);

  step("7. @maya rolls back the login step: /rollback login-step");
  await github.comment("maya", pull.number, "/rollback login-step");
  await world.waitFor("the first rollback", () => finished(world, "rollback", "login-step"), 180_000);
  await branchLog(world, pull);
  show(statusComment(world, pull), 8);

  step("8. … and then everything: /rollback");
  await github.comment("maya", pull.number, "/rollback");
  await world.waitFor("the second rollback", () => finished(world, "rollback"), 180_000);
  await branchLog(world, pull);
  const base = JSON.stringify(await github.git.tree("refs/heads/main", true));
  const branch = JSON.stringify(
    (await github.git.tree(`refs/heads/${pull.pull?.head}`, true)).filter(
      (e) => !e.path.startsWith(".planwright"),
    ),
  );
  const same = base === branch;
  out(`  tree after rollback ${same ? "==" : "!="} main's tree (besides the plan file)`);
  if (!same) failed = true;
  if (github.violations.length > 0) {
    out(`  requests GitHub would refuse: ${github.violations.join("; ")}`);
    failed = true;
  }
  out(
    `\n${bold("Done")} in ${Math.round((Date.now() - started) / 1000)} s: ${workflowRuns(world)} workflow runs, ` +
      `${github.requests.length} GitHub requests, ${world.model.requests.length} model calls (replayed).`,
  );
  out(`Click through the same cycle in your browser: ${bold("npm run playground")}`);
} catch (error) {
  failed = true;
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  for (const run of world.github.state.workflowRuns.values()) {
    if (run.conclusion !== "success")
      process.stderr.write(`\n--- workflow run ${run.id} (${run.inputs.command}) ---\n${run.log ?? ""}\n`);
  }
} finally {
  await world.close();
}
process.exit(failed ? 1 : 0);
