/**
 * Check runs through the gateway: output kept within GitHub's limits (./check-run-limits.ts),
 * annotations beyond the first 50 sent in follow-up updates, which GitHub appends.
 */
import { redact } from "../redact.js";
import { annotationBatches, checkActions, outputText, type CheckOutput } from "./check-run-limits.js";
import type { CheckRunInput, GitHubGateway } from "./gateway.js";
import { NEEDS, type GitHubCaller } from "./github-caller.js";
import { mapCheckRun, type Raw } from "./map-responses.js";

type CheckRunMethods = Pick<GitHubGateway, "createCheckRun" | "updateCheckRun" | "findCheckRun">;

function runFields(input: Partial<CheckRunInput>): Raw {
  const fields: Raw = {};
  if (input.status !== undefined) fields.status = input.status;
  if (input.conclusion !== undefined) fields.conclusion = input.conclusion;
  if (input.externalId !== undefined) fields.external_id = input.externalId;
  if (input.detailsUrl !== undefined) fields.details_url = input.detailsUrl;
  const buttons = checkActions(input.actions);
  if (buttons !== undefined) fields.actions = buttons;
  return fields;
}

function outputOf(input: Partial<CheckRunInput>, summary: string): CheckOutput {
  const output: CheckOutput = { summary: outputText(summary) };
  if (input.title !== undefined) output.title = redact(input.title);
  if (input.text !== undefined) output.text = outputText(input.text);
  return output;
}

export function checkRunMethods(github: GitHubCaller): CheckRunMethods {
  const route = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}";

  /** The remaining annotations, 50 per request, each with the output they belong to. */
  async function sendBatches(id: number, output: CheckOutput, batches: CheckOutput["annotations"][]) {
    for (const annotations of batches) {
      await github.call(
        "add annotations to the check run",
        route,
        {
          check_run_id: id,
          output: { ...output, annotations },
        },
        NEEDS.checks,
      );
    }
  }

  return {
    async createCheckRun(input) {
      const [first, ...rest] = annotationBatches(input.annotations);
      const output = outputOf(input, input.summary);
      const data = await github.must(
        "create the check run",
        "POST /repos/{owner}/{repo}/check-runs",
        {
          name: input.name,
          head_sha: input.headSha,
          ...runFields(input),
          output: first ? { ...output, annotations: first } : output,
        },
        NEEDS.checks,
      );
      const run = mapCheckRun(data);
      await sendBatches(run.id, output, rest);
      return run;
    },

    async updateCheckRun(id, input) {
      const fields = runFields(input);
      const [first, ...rest] = annotationBatches(input.annotations);
      let summary = input.summary;
      if (
        summary === undefined &&
        (first !== undefined || input.title !== undefined || input.text !== undefined)
      ) {
        // GitHub requires the summary with any output: keep the one the run already shows.
        const current = await github.must(
          "read the check run",
          "GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
          {
            check_run_id: id,
          },
        );
        const shown = (current.output as Raw | undefined)?.summary;
        summary = typeof shown === "string" ? shown : "";
      }
      const output = summary !== undefined ? outputOf(input, summary) : undefined;
      if (output) fields.output = first ? { ...output, annotations: first } : output;
      await github.call("update the check run", route, { check_run_id: id, ...fields }, NEEDS.checks);
      if (output) await sendBatches(id, output, rest);
    },

    async findCheckRun(headSha, name) {
      const data = await github.must(
        "find the check run",
        "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
        {
          ref: headSha,
          check_name: name,
          filter: "latest",
          per_page: 10,
        },
      );
      const runs = Array.isArray(data.check_runs) ? data.check_runs.map(mapCheckRun) : [];
      return runs.find((run) => run.name === name);
    },
  };
}
