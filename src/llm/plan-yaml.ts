/**
 * Serialises a plan (as the model produced it, or as the reviser changed it) to the plan file's
 * YAML: keys in the order ARCHITECTURE.md shows, the `yaml-language-server` schema header, block
 * scalars for multi-line text and flow style for short lists and maps, so a generated plan reads
 * like a hand-written one and diffs between revisions stay small.
 */
import { Document, isMap, isScalar, isSeq, Scalar, visit, type Node } from "yaml";
import type { PlanInput } from "../plan/schema.js";

/** Where editors find the plan schema: the copy published with the npm package. */
export const PLAN_SCHEMA_URL = "https://unpkg.com/planwright/schema/plan.schema.json";

const PLAN_KEYS = [
  "version",
  "id",
  "title",
  "request",
  "issue",
  "base",
  "summary",
  "risk",
  "budget",
  "policy",
  "defaults",
  "phases",
];
const PHASE_KEYS = ["id", "title", "mode", "tasks"];
const TASK_KEYS = [
  "id",
  "title",
  "description",
  "needs",
  "edit",
  "run",
  "write",
  "delete",
  "verify",
  "timeout",
  "retries",
  "checkpoint",
  "allow_empty",
];
const NESTED_KEYS: Record<string, string[]> = {
  base: ["ref", "sha"],
  budget: ["max_usd", "max_minutes", "max_turns_per_task"],
  policy: ["paths", "commands"],
  paths: ["allow", "deny"],
  commands: ["allow"],
  defaults: ["verify", "timeout", "retries"],
  edit: ["files", "instructions"],
  write: ["path", "content"],
  delete: ["path"],
};

/** Longest single-line flow collection we keep on one line. */
const FLOW_WIDTH = 100;

function ordered(value: unknown, keys: readonly string[] | undefined): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const known = keys ?? [];
  // known keys first in their documented order, anything else after in its own order
  for (const key of [...known, ...Object.keys(source).filter((k) => !known.includes(k))]) {
    const item = source[key];
    if (item === undefined || !(key in source)) continue;
    out[key] = key in NESTED_KEYS ? ordered(item, NESTED_KEYS[key]) : item;
  }
  return out;
}

/** The plan's fields in the documented order (unknown fields kept, after the known ones). */
export function orderPlan(plan: PlanInput | Record<string, unknown>): Record<string, unknown> {
  const top = ordered(plan, PLAN_KEYS) as Record<string, unknown>;
  if (Array.isArray(top["phases"])) {
    top["phases"] = top["phases"].map((phase: unknown) => {
      const p = ordered(phase, PHASE_KEYS) as Record<string, unknown>;
      if (p && Array.isArray(p["tasks"])) p["tasks"] = p["tasks"].map((t: unknown) => ordered(t, TASK_KEYS));
      return p;
    });
  }
  return top;
}

function isShortFlow(node: Node): boolean {
  if (isSeq(node)) {
    if (!node.items.every((i) => isScalar(i) && !String(i.value).includes("\n"))) return false;
  } else if (isMap(node)) {
    if (!node.items.every((p) => isScalar(p.value) && !String(p.value.value).includes("\n"))) return false;
    // a map holding a long or multi-line text reads better as a block
    if (node.items.some((p) => isScalar(p.value) && String(p.value.value).length > 60)) return false;
  } else return false;
  return JSON.stringify(node.toJSON()).length <= FLOW_WIDTH;
}

export interface PlanYamlOptions {
  /** The `$schema` of the header comment; defaults to PLAN_SCHEMA_URL. */
  schemaUrl?: string;
}

/** The plan file text for `plan`: schema header, documented key order, readable styles. */
export function planToYaml(plan: PlanInput | Record<string, unknown>, options: PlanYamlOptions = {}): string {
  const doc = new Document(orderPlan(plan));
  const keyOf = (path: readonly unknown[]) => {
    const parent = path.at(-1);
    return parent && typeof parent === "object" && "key" in parent && isScalar(parent.key)
      ? String(parent.key.value)
      : "";
  };
  visit(doc, {
    // only the small settings maps go on one line; phases and tasks always stay blocks
    Map(_key, node, path) {
      if (keyOf(path) in NESTED_KEYS && isShortFlow(node)) node.flow = true;
    },
    Seq(_key, node, path) {
      const name = keyOf(path);
      if (name !== "phases" && name !== "tasks" && isShortFlow(node)) node.flow = true;
    },
    Scalar(_key, node) {
      if (typeof node.value === "string" && node.value.includes("\n")) node.type = Scalar.BLOCK_LITERAL;
    },
  });
  doc.commentBefore = ` yaml-language-server: $schema=${options.schemaUrl ?? PLAN_SCHEMA_URL}`;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}
