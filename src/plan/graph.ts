/**
 * The plan as a graph: execution order (waves), dependents, the critical path and a structural
 * hash. Pure: no Node imports, so it runs anywhere the plan does.
 */
import { taskKind, type Phase, type PhaseMode, type Plan, type Task } from "./schema.js";

/** A set of tasks of one phase that may start together once every earlier wave is done. */
export interface Wave {
  /** 0-based position among all waves of the plan. */
  index: number;
  phaseId: string;
  mode: PhaseMode;
  /** Task ids in file order. */
  taskIds: string[];
}

/** Where a task sits in the plan. */
export interface TaskEntry {
  task: Task;
  phase: Phase;
  phaseIndex: number;
  /** 0-based position of the task among all tasks of the file. */
  order: number;
}

/** Task id -> task, its phase and its position. The first occurrence wins when ids repeat. */
export function taskIndex(plan: Plan): Map<string, TaskEntry> {
  const index = new Map<string, TaskEntry>();
  let order = 0;
  plan.phases.forEach((phase, phaseIndex) => {
    for (const task of phase.tasks) {
      if (!index.has(task.id)) index.set(task.id, { task, phase, phaseIndex, order });
      order++;
    }
  });
  return index;
}

/**
 * Layers of a parallel phase by `needs` (Kahn). Needs outside the phase are already satisfied by
 * phase order (or are validation errors reported elsewhere), so they are ignored here. A cycle,
 * which validation rejects, must not hang or throw: its tasks form one last layer.
 */
function parallelLayers(tasks: readonly Task[]): Task[][] {
  const inPhase = new Set(tasks.map((t) => t.id));
  const remaining = new Map(tasks.map((t) => [t.id, t] as const));
  const done = new Set<string>();
  const layers: Task[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.values()].filter((t) =>
      (t.needs ?? []).every((n) => !inPhase.has(n) || done.has(n) || n === t.id),
    );
    const layer = ready.length > 0 ? ready : [...remaining.values()];
    for (const t of layer) remaining.delete(t.id);
    for (const t of layer) done.add(t.id);
    layers.push(layer);
  }
  return layers;
}

/**
 * Execution order as waves. Phases run in order; `sequential` and `manual` phases run one task per
 * wave in file order; `parallel` phases run Kahn layers of their `needs` graph.
 */
export function executionWaves(plan: Plan): Wave[] {
  const waves: Wave[] = [];
  for (const phase of plan.phases) {
    const layers = phase.mode === "parallel" ? parallelLayers(phase.tasks) : phase.tasks.map((t) => [t]);
    for (const layer of layers) {
      waves.push({
        index: waves.length,
        phaseId: phase.id,
        mode: phase.mode,
        taskIds: layer.map((t) => t.id),
      });
    }
  }
  return waves;
}

/** Every task that transitively needs `taskId`, in file order (what a partial rollback must undo too). */
export function dependents(plan: Plan, taskId: string): string[] {
  const neededBy = new Map<string, string[]>();
  const all = plan.phases.flatMap((p) => p.tasks);
  for (const t of all) {
    for (const n of t.needs ?? []) neededBy.set(n, [...(neededBy.get(n) ?? []), t.id]);
  }
  const found = new Set<string>();
  const stack = [taskId];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    for (const d of neededBy.get(id) ?? []) {
      if (d !== taskId && !found.has(d)) {
        found.add(d);
        stack.push(d);
      }
    }
  }
  const seen = new Set<string>();
  return all.map((t) => t.id).filter((id) => found.has(id) && !seen.has(id) && seen.add(id));
}

/**
 * The longest chain of work through the plan. Phases run one after another, so the plan's critical
 * path is the concatenation of each phase's: every task of a sequential or manual phase, and the
 * longest `needs` chain of a parallel phase (ties go to the chain that comes first in the file).
 */
export function criticalPath(
  plan: Plan,
  durationOf: (t: Task) => number = () => 1,
): { length: number; taskIds: string[] } {
  let length = 0;
  const taskIds: string[] = [];
  for (const phase of plan.phases) {
    if (phase.mode !== "parallel") {
      for (const t of phase.tasks) {
        length += durationOf(t);
        taskIds.push(t.id);
      }
      continue;
    }
    // Longest path ending at each task, computed layer by layer so predecessors come first.
    const best = new Map<string, { length: number; prev?: string }>();
    for (const layer of parallelLayers(phase.tasks)) {
      for (const t of layer) {
        let start = 0;
        let prev: string | undefined;
        for (const n of t.needs ?? []) {
          const b = best.get(n);
          if (b && b.length > start) {
            start = b.length;
            prev = n;
          }
        }
        best.set(t.id, { length: start + durationOf(t), prev });
      }
    }
    let endId: string | undefined;
    let endLength = -Infinity;
    for (const t of phase.tasks) {
      const b = best.get(t.id);
      if (b && b.length > endLength) {
        endLength = b.length;
        endId = t.id;
      }
    }
    const chain: string[] = [];
    const visited = new Set<string>();
    for (let id = endId; id !== undefined && !visited.has(id); id = best.get(id)?.prev) {
      visited.add(id);
      chain.unshift(id);
    }
    length += Math.max(0, endLength);
    taskIds.push(...chain);
  }
  return { length, taskIds };
}

const sortedUnique = (list: readonly string[] | undefined): string[] | undefined =>
  list === undefined ? undefined : [...new Set(list)].sort();

/** The parts of a task that change what runs; nothing a reviewer reads only (title, description). */
function taskStructure(t: Task): Record<string, unknown> {
  return {
    id: t.id,
    kind: taskKind(t) ?? null,
    needs: sortedUnique(t.needs) ?? [],
    edit: t.edit && { files: t.edit.files, instructions: t.edit.instructions },
    run: t.run,
    write: t.write && { path: t.write.path, content: t.write.content },
    delete: t.delete && { path: t.delete.path },
    verify: t.verify,
    timeout: t.timeout,
    retries: t.retries,
    checkpoint: t.checkpoint,
    allow_empty: t.allow_empty,
  };
}

/** What `graphHash` covers, as a plain value. Exported for tests and debugging. */
export function graphStructure(plan: Plan): Record<string, unknown> {
  const paths = plan.policy?.paths;
  return {
    version: plan.version,
    id: plan.id,
    phases: plan.phases.map((p) => ({ id: p.id, mode: p.mode, tasks: p.tasks.map(taskStructure) })),
    policy: plan.policy && {
      paths: paths && { allow: sortedUnique(paths.allow), deny: sortedUnique(paths.deny) },
      commands: plan.policy.commands && { allow: sortedUnique(plan.policy.commands.allow) },
    },
    budget: plan.budget && { ...plan.budget },
    defaults: plan.defaults && { ...plan.defaults },
  };
}

/** JSON with sorted keys and without undefined members, so key order never changes the text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * A 16-hex-digit fingerprint of what the plan does: ids, phase order and modes, needs (in any order),
 * task kinds and their commands, paths, content and instructions, verify/timeout/retries/checkpoint,
 * policy, budget and defaults. Titles, summaries, descriptions, the request, issue, risk, key order and
 * YAML layout do not change it. It is the first 64 bits of SHA-256 over canonical JSON.
 */
export function graphHash(plan: Plan): string {
  return sha256Hex(utf8(canonicalJson(graphStructure(plan)))).slice(0, 16);
}

function utf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(bytes);
}

const K = Uint32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** SHA-256 (FIPS 180-4) in pure TypeScript; plans are small, so clarity beats speed here. */
export function sha256Hex(data: Uint8Array): string {
  const bitLength = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 0x100000000));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const h = Uint32Array.from([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15] as number;
      const b = w[i - 2] as number;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]] as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let i = 0; i < 64; i++) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + s1 + ch + (K[i] as number) + (w[i] as number)) >>> 0;
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const out = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as number) + (out[i] as number)) >>> 0;
  }
  return [...h].map((x) => x.toString(16).padStart(8, "0")).join("");
}
