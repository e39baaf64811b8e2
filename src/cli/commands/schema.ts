import type { Register } from "../program.js";

/** `planwright schema`: prints the plan file's JSON Schema. */
export const registerSchema: Register = (program, run) => {
  program
    .command("schema")
    .description("print the JSON Schema of the plan file (for editor completion)")
    .action(() =>
      run(async (io) => {
        const { planJsonSchema } = await import("../../plan/schema.js");
        io.out(JSON.stringify(planJsonSchema(), null, 2) + "\n");
        return 0;
      }),
    );
};
