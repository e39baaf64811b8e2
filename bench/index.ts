/**
 * `npm run bench`: every benchmark, each reporting ratios against a baseline measured in the same
 * run (absolute times depend on the machine; ratios are what the targets are about).
 * Pass names to run a subset: `npm run bench -- validate`.
 */
import { benchExecutor } from "./executor.js";
import { benchIsolation } from "./isolation.js";
import { benchSandbox } from "./sandbox.js";
import { benchStartup } from "./startup.js";
import { benchValidate } from "./validate.js";
import { benchWebhooks } from "./webhooks.js";

const benches: Record<string, () => Promise<string[]>> = {
  startup: benchStartup,
  validate: benchValidate,
  executor: benchExecutor,
  webhooks: benchWebhooks,
  sandbox: benchSandbox,
  isolation: benchIsolation,
};

const wanted = process.argv.slice(2);
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`# ${name}`);
  for (const line of await bench()) console.log(line);
  console.log("");
}
