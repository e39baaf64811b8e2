/**
 * The world the demo and the playground run in: the end-to-end world (GitHub stand-in holding the
 * example repository, the App on its real server, the real bundled Action for each dispatched
 * workflow) with the model played by the bundled cassette, or by the real Anthropic API when a key
 * is given. Plus what people do there that the stand-in's own actions do not cover: pressing a
 * check run's button.
 */
import { join } from "node:path";
import type { CheckRunRecord, IssueRecord } from "../sandbox/sandbox-state.js";
import { ROOT, startWorld, type World } from "../e2e/e2e-harness.js";
import { cassetteResponder } from "./cassette-responder.js";

export const CASSETTE = join(ROOT, "examples", "cassettes", "demo-2fa.jsonl");
export const BOT = "planwright[bot]";

export interface DemoWorldOptions {
  /** Use Claude itself (no cassette). */
  anthropicApiKey?: string;
  /** The API address for that key (default https://api.anthropic.com). */
  anthropicBaseUrl?: string;
  onRunLog?: (log: string) => void;
}

export async function startDemoWorld(options: DemoWorldOptions = {}): Promise<World> {
  const world = await startWorld({
    model: { fallback: cassetteResponder(CASSETTE) },
    ...(options.anthropicApiKey
      ? {
          anthropic: {
            apiKey: options.anthropicApiKey,
            baseURL: options.anthropicBaseUrl ?? "https://api.anthropic.com",
          },
        }
      : {}),
    ...(options.onRunLog ? { onRunLog: options.onRunLog } : {}),
  });
  world.github.addUser("sam", "write");
  return world;
}

/** The plan pull requests, newest first. */
export function pulls(world: World): IssueRecord[] {
  return [...world.github.state.issues.values()].filter((i) => i.pull).reverse();
}

/** Check runs on `sha`, the latest of each name, `planwright` first. */
export function checkRunsOn(world: World, sha: string): CheckRunRecord[] {
  const latest = new Map<string, CheckRunRecord>();
  for (const run of world.github.state.checkRuns.values()) {
    if (run.headSha === sha) latest.set(run.name, run);
  }
  return [...latest.values()].sort((a, b) =>
    a.name === "planwright" ? -1 : b.name === "planwright" ? 1 : a.id - b.id,
  );
}

/** The buttons (requested actions) a check run offers. */
export function buttonsOf(
  run: CheckRunRecord,
): { label: string; identifier: string; description?: string }[] {
  return (run.actions as { label: string; identifier: string; description?: string }[]).filter(
    (a) => typeof a?.identifier === "string",
  );
}

/** `login` presses the button `identifier` of check run `runId` on pull request `pull`, as GitHub delivers it. */
export async function pressButton(
  world: World,
  login: string,
  runId: number,
  identifier: string,
  pull: IssueRecord,
): Promise<void> {
  const { state } = world.github;
  const run = state.checkRuns.get(runId);
  if (!run) throw new Error(`no check run ${runId}`);
  if (!buttonsOf(run).some((b) => b.identifier === identifier)) {
    throw new Error(`check run ${run.name} has no button ${identifier}`);
  }
  const pullJson = await state.pullJson(pull);
  const head = pullJson["head"] as { ref: string; sha: string };
  const base = pullJson["base"] as { ref: string; sha: string };
  await world.github.deliver(
    "check_run",
    {
      action: "requested_action",
      check_run: {
        ...state.checkRunJson(run),
        pull_requests: [
          {
            id: pull.number * 10 + 2,
            number: pull.number,
            url: `${world.github.url}/repos/${state.owner}/${state.repo}/pulls/${pull.number}`,
            head: { ref: head.ref, sha: head.sha, repo: { id: 1, name: state.repo, url: "" } },
            base: { ref: base.ref, sha: base.sha, repo: { id: 1, name: state.repo, url: "" } },
          },
        ],
      },
      requested_action: { identifier },
    },
    { sender: login },
  );
}
