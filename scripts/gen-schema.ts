/** Writes schema/plan.schema.json from the zod schema; `--check` fails when the file is stale. */
import { readFileSync, writeFileSync } from "node:fs";
import { planJsonSchema } from "../src/plan/schema.js";

const file = new URL("../schema/plan.schema.json", import.meta.url);
const text = JSON.stringify(planJsonSchema(), null, 2) + "\n";
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // a missing file is stale too
  }
  if (current !== text) {
    console.error("schema/plan.schema.json is out of date with src/plan/schema.ts: run `npm run schema`");
    process.exit(1);
  }
  console.log("schema/plan.schema.json is up to date");
} else {
  writeFileSync(file, text);
  console.log("wrote schema/plan.schema.json");
}
