/**
 * The sandbox's workflow runner: what GitHub Actions does for a dispatched Planwright workflow,
 * minus the virtual machine. It clones the sandbox's bare repository (actions/checkout; the clone's
 * `origin` is the bare repository's path, so the Action's `git fetch` and `git push` are real git
 * against the same objects the REST API serves), writes the event payload, and runs the real
 * bundled Action (`node action/dist/index.js`) with the environment a runner gives a step:
 * INPUT_* from the dispatch inputs, GITHUB_* variables, a job-summary file, a fresh token.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitIn } from "../helpers/git-repo.js";
import type { WorkflowRunner } from "./github-sandbox.js";

export interface ActionRunnerOptions {
  /** The bundled Action's entry (action/dist/index.js). */
  entry: string;
  /** More environment for the step (secrets of the workflow, ANTHROPIC_BASE_URL, canaries). */
  env?: Record<string, string>;
  /** The `anthropic-api-key` input. */
  anthropicApiKey?: string;
  /** Kill the step after this long (default 120 s). */
  timeoutMs?: number;
  /** Called with each finished run's log (stdout, stderr and job summary). */
  onLog?: (log: string) => void;
  /**
   * The `github-token` the step gets: the App's installation token with its `app-slug`, as the
   * shipped workflows make it with actions/create-github-app-token (default), or the workflow's
   * own GITHUB_TOKEN (github-actions[bot]).
   */
  token?: "app" | "actions";
  /** The runner's folder for each run (a fresh temporary one by default; emptied after the run). */
  root?: string;
  /** Called with the checkout and the run's HOME before the step starts (a persisted credential…). */
  prepare?: (workspace: string, home: string) => Promise<void>;
}

/** The login pushes and API calls of a workflow run are attributed to. */
export const ACTIONS_BOT = "github-actions[bot]";

export function actionRunner(options: ActionRunnerOptions): WorkflowRunner {
  return async (run, sandbox) => {
    const root = options.root ?? (await mkdtemp(join(tmpdir(), "planwright-run-")));
    try {
      await mkdir(root, { recursive: true });
      const workspace = join(root, "workspace");
      const home = join(root, "home");
      // as on hosted runners, a folder of HOME comes first on PATH
      await mkdir(join(home, ".local", "bin"), { recursive: true });
      await gitIn(root, "clone", "--quiet", "--no-tags", "--branch", run.ref, sandbox.remote, workspace);
      await options.prepare?.(workspace, home);
      const state = sandbox.state;
      const eventPath = join(root, "event.json");
      await writeFile(
        eventPath,
        JSON.stringify({
          inputs: run.inputs,
          ref: `refs/heads/${run.ref}`,
          repository: state.repoJson(),
          sender: state.userJson(state.appSlug + "[bot]"),
          workflow: `.github/workflows/${run.workflowId}`,
        }),
      );
      const files = Object.fromEntries(
        ["GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_ENV", "GITHUB_PATH"].map((name) => [
          name,
          join(root, name.toLowerCase()),
        ]),
      );
      for (const file of Object.values(files)) await writeFile(file, "");
      const inputs = Object.fromEntries(
        Object.entries(run.inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
      );
      const env: Record<string, string> = {
        PATH: `${join(home, ".local", "bin")}:${process.env.PATH ?? ""}`,
        HOME: home,
        LANG: "C.UTF-8",
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: `${state.owner}/${state.repo}`,
        GITHUB_REPOSITORY_OWNER: state.owner,
        GITHUB_API_URL: sandbox.url,
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_EVENT_NAME: "workflow_dispatch",
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_WORKSPACE: workspace,
        GITHUB_RUN_ID: String(run.id),
        GITHUB_REF: `refs/heads/${run.ref}`,
        GITHUB_SHA: run.headSha,
        GITHUB_ACTOR: state.appSlug + "[bot]",
        RUNNER_TEMP: root,
        ...files,
        ...inputs,
        ...(options.token === "actions"
          ? { "INPUT_GITHUB-TOKEN": state.issueToken(ACTIONS_BOT) }
          : {
              "INPUT_GITHUB-TOKEN": state.issueToken(`${state.appSlug}[bot]`),
              "INPUT_APP-SLUG": state.appSlug,
            }),
        ...(options.anthropicApiKey ? { "INPUT_ANTHROPIC-API-KEY": options.anthropicApiKey } : {}),
        ...options.env,
      };
      const { code, output } = await runStep(
        options.entry,
        workspace,
        env,
        run.abort.signal,
        options.timeoutMs ?? 120_000,
      );
      const summary = await readFile(files.GITHUB_STEP_SUMMARY as string, "utf8");
      run.log = `${output}\n--- job summary ---\n${summary}`;
      options.onLog?.(run.log);
      if (run.abort.signal.aborted) return "cancelled";
      return code === 0 ? "success" : "failure";
    } finally {
      if (options.root) {
        for (const entry of ["workspace", "home", "event.json"])
          await rm(join(root, entry), { recursive: true, force: true });
      } else await rm(root, { recursive: true, force: true });
    }
  };
}

function runStep(
  entry: string,
  cwd: string,
  env: Record<string, string>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const stop = () => child.kill("SIGTERM");
    signal.addEventListener("abort", stop, { once: true });
    const timer = setTimeout(() => {
      output += `\nsandbox runner: step killed after ${timeoutMs} ms`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
      resolve({ code: code ?? 1, output });
    });
  });
}
