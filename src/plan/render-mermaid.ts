/**
 * The plan as a Mermaid flowchart: a subgraph per phase, an edge per `needs`, and edges between
 * consecutive phases for phase order. GitHub renders it in the PR body.
 */
import { oneLine, plural } from "./render-tree.js";
import type { Plan } from "./schema.js";

/**
 * Mermaid node id of a task or phase. Ids are `[a-z0-9-]`, and `--` inside an id would read as an
 * edge, so dashes become underscores (which ids cannot contain, so the mapping stays one-to-one);
 * the prefix keeps ids clear of keywords such as `end`.
 */
export function mermaidId(kind: "task" | "phase", id: string): string {
  return `${kind === "task" ? "t" : "p"}_${id.replace(/-/g, "_")}`;
}

const ENTITIES: Record<string, string> = {
  "#": "#35;",
  '"': "#quot;",
  "&": "#amp;",
  "<": "#lt;",
  ">": "#gt;",
  "`": "#96;",
  "|": "#124;",
  "[": "#91;",
  "]": "#93;",
  "{": "#123;",
  "}": "#125;",
  "\\": "#92;",
  "@": "#64;",
};

/**
 * A label that cannot break out of its `["…"]` node: characters Mermaid or the surrounding Markdown
 * fence treat specially become Mermaid entity codes (`@` too, so a label can never read as a
 * mention), and whitespace collapses to one line.
 */
export function mermaidLabel(text: string, max = 60): string {
  return oneLine(text, max).replace(/[#"&<>`|[\]{}\\@]/g, (ch) => ENTITIES[ch] ?? ch);
}

export interface MermaidOptions {
  /** Only phases and their order (for very large plans). */
  phasesOnly?: boolean;
}

/** Renders `flowchart TD` text (no Markdown fence). */
export function renderMermaid(plan: Plan, options: MermaidOptions = {}): string {
  const lines = ["flowchart TD"];
  const phaseOf = new Map<string, string>();
  for (const phase of plan.phases) for (const t of phase.tasks) phaseOf.set(t.id, phase.id);

  for (const phase of plan.phases) {
    const label = mermaidLabel(`${phase.id}: ${phase.title ?? ""}`.replace(/: $/, ""));
    const meta = `${phase.mode}, ${plural(phase.tasks.length, "task")}`;
    if (options.phasesOnly) {
      lines.push(`  ${mermaidId("phase", phase.id)}["${label}<br/>${meta}"]`);
      continue;
    }
    lines.push(`  subgraph ${mermaidId("phase", phase.id)}["${label} — ${meta}"]`);
    if (phase.mode === "parallel") lines.push("    direction TB");
    for (const t of phase.tasks) {
      lines.push(
        `    ${mermaidId("task", t.id)}["${mermaidLabel(t.id, 63)}<br/>${mermaidLabel(t.title, 50)}"]`,
      );
    }
    lines.push("  end");
  }
  for (let i = 1; i < plan.phases.length; i++) {
    const prev = plan.phases[i - 1];
    const next = plan.phases[i];
    if (prev && next) lines.push(`  ${mermaidId("phase", prev.id)} ==> ${mermaidId("phase", next.id)}`);
  }
  if (!options.phasesOnly) {
    const seen = new Set<string>();
    for (const phase of plan.phases) {
      for (const t of phase.tasks) {
        for (const need of t.needs ?? []) {
          // Needs on unknown tasks are validation errors; an edge to a ghost node would mislead.
          if (!phaseOf.has(need) || seen.has(`${need} ${t.id}`)) continue;
          seen.add(`${need} ${t.id}`);
          lines.push(`  ${mermaidId("task", need)} --> ${mermaidId("task", t.id)}`);
        }
      }
    }
    // Sequential and manual phases also run in file order: dotted edges show it without a `needs`.
    for (const phase of plan.phases) {
      if (phase.mode === "parallel") continue;
      for (let i = 1; i < phase.tasks.length; i++) {
        const a = phase.tasks[i - 1];
        const b = phase.tasks[i];
        if (a && b && !seen.has(`${a.id} ${b.id}`)) {
          lines.push(`  ${mermaidId("task", a.id)} -.-> ${mermaidId("task", b.id)}`);
        }
      }
    }
  }
  return lines.join("\n") + "\n";
}
