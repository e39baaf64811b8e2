import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  canonicalJson,
  criticalPath,
  dependents,
  executionWaves,
  graphHash,
  sha256Hex,
  taskIndex,
} from "../../src/plan/graph.js";
import { planSchema, type Plan, type PlanInput } from "../../src/plan/schema.js";

const example = (name: string): Plan =>
  planSchema.parse(
    parse(readFileSync(new URL(`../../examples/plans/${name}.yaml`, import.meta.url), "utf8")),
  );

type TaskSpec = { id: string; needs?: string[]; run?: string };
const plan = (
  ...phases: { id: string; mode?: "sequential" | "parallel" | "manual"; tasks: TaskSpec[] }[]
): Plan =>
  planSchema.parse({
    version: 1,
    id: "1-test",
    title: "Test",
    request: "test",
    phases: phases.map((p) => ({
      ...p,
      tasks: p.tasks.map((t) => ({ title: `Task ${t.id}`, run: t.run ?? `echo ${t.id}`, ...t })),
    })),
  } satisfies PlanInput);

describe("executionWaves", () => {
  it("runs a sequential phase one task per wave in file order, ignoring needs order", () => {
    const p = plan({ id: "a", tasks: [{ id: "x" }, { id: "y" }, { id: "z", needs: ["x"] }] });
    expect(executionWaves(p)).toEqual([
      { index: 0, phaseId: "a", mode: "sequential", taskIds: ["x"] },
      { index: 1, phaseId: "a", mode: "sequential", taskIds: ["y"] },
      { index: 2, phaseId: "a", mode: "sequential", taskIds: ["z"] },
    ]);
  });

  it("runs a manual phase one task per wave", () => {
    const p = plan({ id: "m", mode: "manual", tasks: [{ id: "x" }, { id: "y" }] });
    expect(executionWaves(p).map((w) => [w.mode, w.taskIds])).toEqual([
      ["manual", ["x"]],
      ["manual", ["y"]],
    ]);
  });

  it("layers a parallel phase by needs, treating needs on earlier phases as satisfied", () => {
    const p = plan(
      { id: "first", tasks: [{ id: "setup" }] },
      {
        id: "par",
        mode: "parallel",
        tasks: [
          { id: "d", needs: ["b", "c"] },
          { id: "b", needs: ["a"] },
          { id: "a", needs: ["setup"] },
          { id: "c" },
          { id: "e", needs: ["setup", "a"] },
        ],
      },
    );
    expect(executionWaves(p).map((w) => [w.index, w.phaseId, w.taskIds])).toEqual([
      [0, "first", ["setup"]],
      [1, "par", ["a", "c"]],
      [2, "par", ["b", "e"]],
      [3, "par", ["d"]],
    ]);
  });

  it("does not hang on a needs cycle (which validation rejects): the cycle becomes the last wave", () => {
    const p = plan({
      id: "par",
      mode: "parallel",
      tasks: [{ id: "free" }, { id: "x", needs: ["y"] }, { id: "y", needs: ["x"] }],
    });
    expect(executionWaves(p).map((w) => w.taskIds)).toEqual([["free"], ["x", "y"]]);
  });

  it("orders the examples", () => {
    expect(executionWaves(example("two-factor-auth")).map((w) => w.taskIds)).toEqual([
      ["add-otp-lib"],
      ["totp-service"],
      ["login-step", "settings-page", "docs"],
      ["drop-legacy"],
    ]);
    expect(executionWaves(example("rest-api")).map((w) => w.taskIds)).toEqual([
      ["add-deps"],
      ["router"],
      ["schemas"],
      ["lists-read", "lists-write"],
      ["items"],
      ["openapi"],
      ["api-e2e"],
    ]);
  });
});

describe("taskIndex", () => {
  it("gives each task its phase and global order", () => {
    const index = taskIndex(example("db-migration"));
    const entry = index.get("read-new-columns");
    expect(entry?.phase.id).toBe("cut-over");
    expect(entry?.phaseIndex).toBe(1);
    expect(entry?.order).toBe(3);
    expect([...index.keys()]).toHaveLength(6);
  });
});

describe("dependents", () => {
  it("finds every task that transitively needs a task, in file order", () => {
    const p = example("two-factor-auth");
    expect(dependents(p, "add-otp-lib")).toEqual([
      "totp-service",
      "login-step",
      "settings-page",
      "drop-legacy",
    ]);
    expect(dependents(p, "login-step")).toEqual(["drop-legacy"]);
    expect(dependents(p, "docs")).toEqual([]);
    expect(dependents(p, "no-such-task")).toEqual([]);
  });

  it("terminates on cycles and never lists the task itself", () => {
    const p = plan({
      id: "a",
      mode: "parallel",
      tasks: [
        { id: "x", needs: ["y"] },
        { id: "y", needs: ["x"] },
      ],
    });
    expect(dependents(p, "x")).toEqual(["y"]);
  });
});

describe("criticalPath", () => {
  it("sums phases: all tasks of sequential phases, the longest needs chain of parallel ones", () => {
    expect(criticalPath(example("two-factor-auth"))).toEqual({
      length: 4,
      taskIds: ["add-otp-lib", "totp-service", "login-step", "drop-legacy"],
    });
  });

  it("weighs tasks by the given duration", () => {
    const p = plan({
      id: "par",
      mode: "parallel",
      tasks: [
        { id: "short" },
        { id: "long" },
        { id: "after-short", needs: ["short"] },
        { id: "after-long", needs: ["long"] },
      ],
    });
    const minutes: Record<string, number> = { short: 1, long: 10, "after-short": 5, "after-long": 1 };
    expect(criticalPath(p, (t) => minutes[t.id] ?? 0)).toEqual({
      length: 11,
      taskIds: ["long", "after-long"],
    });
    expect(criticalPath(p).length).toBe(2);
  });
});

describe("sha256Hex", () => {
  it("matches node:crypto on ASCII, multi-byte text and block boundaries", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        expect(sha256Hex(new TextEncoder().encode(s))).toBe(
          createHash("sha256").update(s, "utf8").digest("hex"),
        );
      }),
    );
  });
});

// ---- graphHash properties ----------------------------------------------------------------------

const text = fc.string({ minLength: 1, maxLength: 12 });
const taskArb = fc.record({
  kind: fc.constantFrom("run", "edit", "write", "delete"),
  body: text,
  title: text,
  needMask: fc.array(fc.boolean(), { maxLength: 12 }),
  checkpoint: fc.option(fc.boolean(), { nil: undefined }),
});
const planArb = fc
  .array(
    fc.record({
      mode: fc.constantFrom("sequential", "parallel", "manual"),
      tasks: fc.array(taskArb, { minLength: 1, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((phases): Plan => {
    let n = 0;
    const ids: string[] = [];
    return planSchema.parse({
      version: 1,
      id: "7-generated",
      title: "Generated",
      request: "generate",
      phases: phases.map((p, i) => ({
        id: `phase-${i}`,
        mode: p.mode,
        tasks: p.tasks.map((t) => {
          const id = `task-${n++}`;
          const needs = ids.filter((_, j) => t.needMask[j]);
          ids.push(id);
          const action =
            t.kind === "run"
              ? { run: t.body }
              : t.kind === "edit"
                ? { edit: { files: [`src/${id}.ts`], instructions: t.body } }
                : t.kind === "write"
                  ? { write: { path: `docs/${id}.md`, content: t.body } }
                  : { delete: { path: `old/${id}.ts` } };
          return {
            id,
            title: t.title,
            ...(needs.length ? { needs } : {}),
            ...action,
            checkpoint: t.checkpoint,
          };
        }),
      })),
    });
  });

/** Rebuilds every object with its keys in a shuffled order (seeded), deep. */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!).reverse();
  return Object.fromEntries(rotated.map(([k, v]) => [k, shuffleKeys(v, seed * 31 + k.length)]));
}

const tasksOf = (p: Plan) => p.phases.flatMap((ph) => ph.tasks);

describe("graphHash", () => {
  it("is 16 lowercase hex digits", () => {
    expect(graphHash(example("two-factor-auth"))).toMatch(/^[0-9a-f]{16}$/);
  });

  it("ignores titles, summaries, descriptions, request, issue and risk", () => {
    fc.assert(
      fc.property(planArb, text, (p, s) => {
        const q: Plan = structuredClone(p);
        Object.assign(q, { title: s, summary: s, request: s, issue: 99, risk: "critical" });
        q.phases.forEach((ph) => (ph.title = s));
        tasksOf(q).forEach((t) => Object.assign(t, { title: `${t.title}${s}`, description: s }));
        expect(graphHash(q)).toBe(graphHash(p));
      }),
    );
  });

  it("ignores key order, YAML layout and the order of needs", () => {
    fc.assert(
      fc.property(planArb, fc.nat(50), (p, seed) => {
        const reordered = planSchema.parse(shuffleKeys(p, seed));
        const yamlText = stringify(shuffleKeys(p, seed + 1), { indent: 4, flowCollectionPadding: false });
        const q: Plan = structuredClone(p);
        tasksOf(q).forEach((t) => t.needs?.reverse());
        expect(graphHash(reordered)).toBe(graphHash(p));
        expect(graphHash(planSchema.parse(parse(yamlText)))).toBe(graphHash(p));
        expect(graphHash(q)).toBe(graphHash(p));
      }),
    );
  });

  it("changes when a command, content or instruction changes", () => {
    fc.assert(
      fc.property(planArb, fc.nat(), (p, pick) => {
        const q: Plan = structuredClone(p);
        const t = tasksOf(q)[pick % tasksOf(q).length]!;
        if (t.run) t.run += " --force";
        else if (t.edit) t.edit.instructions += " and more";
        else if (t.write) t.write.content += "!";
        else if (t.delete) t.delete.path += ".bak";
        expect(graphHash(q)).not.toBe(graphHash(p));
      }),
    );
  });

  it("changes when a needs edge is added or removed", () => {
    fc.assert(
      fc.property(planArb, (p) => {
        const all = tasksOf(p);
        fc.pre(all.length >= 2);
        const q: Plan = structuredClone(p);
        const last = tasksOf(q).at(-1)!;
        const first = all[0]!.id;
        last.needs = last.needs?.includes(first)
          ? last.needs.filter((n) => n !== first)
          : [...(last.needs ?? []), first];
        expect(graphHash(q)).not.toBe(graphHash(p));
      }),
    );
  });

  it("changes when a phase mode or a task kind changes", () => {
    fc.assert(
      fc.property(planArb, fc.nat(), (p, pick) => {
        const q: Plan = structuredClone(p);
        const phase = q.phases[pick % q.phases.length]!;
        phase.mode = phase.mode === "parallel" ? "sequential" : "parallel";
        expect(graphHash(q)).not.toBe(graphHash(p));

        const r: Plan = structuredClone(p);
        const t = tasksOf(r)[pick % tasksOf(r).length]!;
        const path = t.write?.path ?? t.delete?.path ?? "some/file.ts";
        const wasDelete = t.delete !== undefined;
        delete t.run;
        delete t.edit;
        delete t.write;
        delete t.delete;
        if (wasDelete) t.write = { path, content: "" };
        else t.delete = { path };
        expect(graphHash(r)).not.toBe(graphHash(p));
      }),
    );
  });

  it("changes with verify, timeout, retries, checkpoint, policy, budget and defaults", () => {
    const base = example("two-factor-auth");
    const variants: ((p: Plan) => void)[] = [
      (p) => (p.phases[0]!.tasks[0]!.verify = false),
      (p) => (p.phases[0]!.tasks[0]!.timeout = "1h"),
      (p) => (p.phases[0]!.tasks[0]!.retries = 0),
      (p) => (p.phases[0]!.tasks[0]!.checkpoint = true),
      (p) => (p.policy = { commands: { allow: ["*"] } }),
      (p) => (p.budget = { max_usd: 500 }),
      (p) => (p.defaults = { verify: "make test" }),
      (p) => p.phases.reverse(),
      (p) => (p.phases[0]!.id = "renamed"),
    ];
    const hashes = new Set([graphHash(base)]);
    for (const change of variants) {
      const q: Plan = structuredClone(base);
      change(q);
      hashes.add(graphHash(q));
    }
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe("canonicalJson", () => {
  it("sorts keys and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 2 }] } })).toBe(
      '{"a":{"c":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});
