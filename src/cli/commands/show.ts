import { Option } from "commander";
import { formatProblems } from "../../plan/load-plan.js";
import { hasErrors } from "../../plan/diagnostics.js";
import { assessPlanRisk } from "../../plan/risk.js";
import { renderJson } from "../../plan/render-json.js";
import { renderMarkdown } from "../../plan/render-markdown.js";
import { renderMermaid } from "../../plan/render-mermaid.js";
import { renderTree } from "../../plan/render-tree.js";
import { EXIT_FAILURE, EXIT_OK, useColor } from "../io.js";
import type { Register } from "../program.js";
import { readPlanFile } from "../read-plan-file.js";

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
        const result = await readPlanFile(file);
        if (result.diagnostics.length > 0) io.err(formatProblems(file, result.diagnostics) + "\n");
        if (!result.plan || hasErrors(result.diagnostics)) return EXIT_FAILURE;
        const plan = result.plan;
        const risk = assessPlanRisk(plan);
        const context = { risk, planPath: file };
        const text =
          options.format === "markdown"
            ? renderMarkdown(plan, context)
            : options.format === "mermaid"
              ? renderMermaid(plan)
              : options.format === "json"
                ? renderJson(plan, context)
                : renderTree(plan, { ...context, color: useColor(io), ascii: Boolean(options.ascii) });
        io.out(text.endsWith("\n") ? text : text + "\n");
        return EXIT_OK;
      }),
    );
};
