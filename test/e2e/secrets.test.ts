/**
 * Secrets: canary secrets in the workflow's environment and in repository files, and a model that
 * tries to leak them (in the plan's summary and titles, and with a command that prints the
 * environment and a secrets file), never appear in any comment, check run, PR, commit message,
 * workflow log line or job summary the cycle produces.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./e2e-harness.js";
import { submitPlan } from "./scripted-plans.js";

const FILE_AWS = "AKIACANARYFILE000001";
const FILE_GH = "ghp_CanaryFile0000000000000000000000001";
const FILE_KEY = "MIIEcanaryPrivateKeyBody0000000000000000";
const ENV_PLAIN = "planwrightcanaryenv7f3a9c1d";
const ENV_GH = "ghp_CanaryEnv00000000000000000000000000002";
const CANARIES = [FILE_AWS, FILE_GH, FILE_KEY, ENV_PLAIN, ENV_GH];

const LEAKY_PLAN = {
  title: `Rotate ${FILE_AWS}`,
  summary: `Found credentials ${FILE_AWS} and ${FILE_GH} in the repository.`,
  phases: [
    {
      id: "leak",
      title: `Leak ${FILE_GH}`,
      mode: "sequential",
      tasks: [
        {
          id: "print-env",
          title: "Print the environment and the secrets file",
          run: `node -e "console.log(process.env.DEPLOY_TOKEN, process.env.GH_CANARY, require('fs').readFileSync('.env', 'utf8'), require('fs').readFileSync('config/deploy.pem', 'utf8'))"`,
          verify: "node --version",
        },
        {
          id: "notes",
          title: `Write notes about ${FILE_AWS}`,
          write: { path: "docs/rotation.md", content: "# Rotation\n\nKeys were rotated.\n" },
        },
      ],
    },
  ],
};

let world: World;

beforeAll(async () => {
  world = await startWorld({
    files: {
      ".env": `AWS_ACCESS_KEY_ID=${FILE_AWS}\nGITHUB_TOKEN=${FILE_GH}\n`,
      "config/deploy.pem": `-----BEGIN RSA PRIVATE KEY-----\n${FILE_KEY}\n-----END RSA PRIVATE KEY-----\n`,
    },
    runnerEnv: { DEPLOY_TOKEN: ENV_PLAIN, GH_CANARY: ENV_GH },
    // The App in its own process, so every line it logs can be searched.
    appProcessLogLevel: "debug",
  });
  world.github.addUser("sam", "write");
}, 60_000);
afterAll(async () => {
  await world?.close();
});

describe("secrets", () => {
  it("keeps canary secrets out of everything the cycle writes", async () => {
    const { github, model } = world;
    const issue = await github.createIssue("maya", "Rotate keys");
    model.enqueue(submitPlan(LEAKY_PLAN));
    await github.comment("maya", issue.number, "/plan rotate the keys");
    const pull = await world.waitFor("the plan PR", () =>
      [...github.state.issues.values()].find((i) => i.pull),
    );
    await github.review("rob", pull.number, { state: "APPROVED" });
    await github.review("sam", pull.number, { state: "APPROVED" });
    await world.waitFor(
      "the workflow run",
      () => [...github.state.workflowRuns.values()].find((r) => r.status === "completed"),
      90_000,
    );
    await world.settle();

    const commits = await github.git.git(["log", "--all", "--format=%B%n%an%n%ae"]);
    const sinks: Record<string, string> = {
      comments: [...github.state.comments.values()].flatMap((c) => c.history).join("\n"),
      "check runs": [...github.state.checkRuns.values()]
        .map((r) => [...r.history, JSON.stringify(r.annotations), JSON.stringify(r.actions)].join("\n"))
        .join("\n"),
      "pull requests": [
        ...github.state.pullBodies,
        ...[...github.state.issues.values()].map((i) => `${i.title}\n${i.body}`),
      ].join("\n"),
      "commit messages": commits,
      "workflow logs and job summaries": [...github.state.workflowRuns.values()].map((r) => r.log).join("\n"),
      "App log": world.app.log(),
    };
    // The leaky plan did reach every sink (so the check means something) …
    expect(sinks["check runs"]).toContain("print-env");
    expect(sinks["workflow logs and job summaries"]).toContain("print-env");
    expect(sinks["App log"]).toContain("POST /api/github/webhooks");
    // … and no canary did.
    const leaks = Object.entries(sinks).flatMap(([sink, text]) =>
      text
        .split("\n")
        .filter((line) => CANARIES.some((canary) => line.includes(canary)))
        .map((line) => `${sink}: ${line}`),
    );
    expect(leaks).toEqual([]);
  }, 150_000);
});
