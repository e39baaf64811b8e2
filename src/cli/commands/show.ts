import { Option } from "commander";
import type { Plan } from "../../plan/schema.js";
import type { PlanRisk } from "../../plan/risk.js";
import { EXIT_FAILURE, EXIT_OK, useColor } from "../io.js";
import type { Register } from "../program.js";

const FORMATS = ["tree", "markdown", "mermaid", "json"] as const;
type Format = (typeof FORMATS)[number];

/** `planwright show FILE`: renders a valid plan as a tree, the PR body, Mermaid or JSON. */
export const registerShow: Register = (program, run) => {
  program
    .command("show")
    .description("render a plan: a terminal tree, the PR body (markdown), a Mermaid graph or JSON")
    .argument("<file>", "plan file (.yaml)")
    .addOption(new Option("-f, --format <format>", "output format").choices(FORMATS).default("tree"))
    .option("--ascii", "draw the tree with ASCII characters only")
    .action((file: string, options: { format: Format; ascii?: boolean }) =>
      run(async (io) => {
        const [{ formatProblems }, { hasErrors }, { assessPlanRisk }, { readPlanFile }] = await Promise.all([
          import("../../plan/load-plan.js"),
          import("../../plan/diagnostics.js"),
          import("../../plan/risk.js"),
          import("../read-plan-file.js"),
        ]);
        const result = await readPlanFile(file);
        if (result.diagnostics.length > 0) io.err(formatProblems(file, result.diagnostics) + "\n");
        if (!result.plan || hasErrors(result.diagnostics)) return EXIT_FAILURE;
        const plan = result.plan;
        const context = { risk: assessPlanRisk(plan), planPath: file };
        const text = await render(options.format, plan, context, {
          color: useColor(io),
          ascii: Boolean(options.ascii),
        });
        io.out(text.endsWith("\n") ? text : text + "\n");
        return EXIT_OK;
      }),
    );
};

/** Loads only the renderer the format needs. */
async function render(
  format: Format,
  plan: Plan,
  context: { risk: PlanRisk; planPath: string },
  tree: { color: boolean; ascii: boolean },
): Promise<string> {
  switch (format) {
    case "markdown":
      return (await import("../../plan/render-markdown.js")).renderMarkdown(plan, context);
    case "mermaid":
      return (await import("../../plan/render-mermaid.js")).renderMermaid(plan);
    case "json":
      return (await import("../../plan/render-json.js")).renderJson(plan, context);
    default:
      return (await import("../../plan/render-tree.js")).renderTree(plan, { ...context, ...tree });
  }
}
