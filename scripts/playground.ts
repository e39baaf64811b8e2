/**
 * `npm run playground`: the GitHub cycle in a browser, offline. Starts the demo world (the GitHub
 * stand-in with examples/repo, the real App, the real Action bundle for each workflow run, the
 * model replayed from the bundled cassette, or Claude itself when ANTHROPIC_API_KEY is set) and
 * serves GitHub-like pages over it on 127.0.0.1. `--port N` picks the port (default 4000).
 */
import { startDemoWorld } from "../test/playground/demo-world.js";
import { startPlayground } from "../test/playground/server.js";

const portArg = process.argv.indexOf("--port");
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 4000;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write("playground: --port needs a port number\n");
  process.exit(2);
}
const apiKey = process.env["ANTHROPIC_API_KEY"]?.trim();
const world = await startDemoWorld(
  apiKey
    ? {
        anthropicApiKey: apiKey,
        ...(process.env["ANTHROPIC_BASE_URL"] ? { anthropicBaseUrl: process.env["ANTHROPIC_BASE_URL"] } : {}),
      }
    : {},
);
const mode = apiKey ? "Claude (ANTHROPIC_API_KEY)" : "replaying the bundled cassette";
let playground;
try {
  playground = await startPlayground(world, { port, mode });
} catch (error) {
  await world.close();
  process.stderr.write(
    `playground: cannot listen on 127.0.0.1:${port}: ${error instanceof Error ? error.message : String(error)} (try --port)\n`,
  );
  process.exit(1);
}
process.stdout.write(
  [
    `Planwright playground: ${playground.url}/acme/accounts/issues  (${mode})`,
    "",
    "  1. Open an issue and comment  /plan add 2FA  (as @maya, a maintainer).",
    "  2. On the plan pull request, Files changed: click a line number of the plan file, write",
    "     what to change, choose Request changes and submit: the plan is revised.",
    "  3. Approve as @rob and as @sam (switch at the top right): the plan is high risk, it needs two.",
    "  4. Checks tab: watch the tasks run; press Continue at the checkpoint.",
    "  5. Comment  /rollback login-step  and then  /rollback.",
    apiKey
      ? ""
      : "  With the cassette, every /plan gets the recorded 2FA plan; set ANTHROPIC_API_KEY for others.",
    "",
    "Ctrl-C stops it.",
    "",
  ].join("\n"),
);
const stop = async () => {
  await playground.close();
  await world.close();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
