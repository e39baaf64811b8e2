/**
 * Why a verification failed must be visible: the last lines of its output (capped in bytes) reach
 * the task-failed event (and so the JSON log), the terminal and the job summary, for a task of a
 * parallel phase as for a sequential one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { renderJobSummary } from "../../src/action/job-summary.js";
import { ProgressReporter } from "../../src/cli/progress-reporter.js";
import { FAILURE_TAIL_BYTES, failureTail } from "../../src/engine/failure-tail.js";
import type { EngineEvent } from "../../src/engine/ports.js";
import { createRunView } from "../../src/github/run-view.js";
import { fixture, planInput, type Fixture } from "./executor-fixture.js";

let current: Fixture | undefined;
afterEach(async () => {
  await current?.repo.cleanup();
  current = undefined;
});

describe("failureTail", () => {
  it("keeps the last 40 lines", () => {
    const out = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\n") + "\n\n";
    const tail = failureTail(out).split("\n");
    expect(tail).toHaveLength(40);
    expect(tail[0]).toBe("line 61");
    expect(tail.at(-1)).toBe("line 100");
  });

  it("caps long lines by bytes without splitting a character, marking the cut", () => {
    const out = `${"é".repeat(5000)}\nshort\n${"ü".repeat(3000)}`;
    const tail = failureTail(out);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(FAILURE_TAIL_BYTES + 4);
    expect(tail.startsWith("…\n")).toBe(true);
    expect(tail).not.toContain("\uFFFD");
    expect(tail.endsWith("ü")).toBe(true);
  });

  it("keeps CRLF output readable and returns nothing for no output", () => {
    expect(failureTail("a\r\nb\r\n")).toBe("a\nb");
    expect(failureTail("  \n")).toBe("");
  });
});

describe("a failed verification's tail", () => {
  it("reaches the event, the terminal and the job summary for a parallel task", async () => {
    // one stream: the order of lines across stdout and stderr is not fixed by the pipes
    const script = `for i in $(seq 1 80); do echo "detail $i" >&2; done; echo "src/app.ts:12:5 - error TS2322: boom" >&2; echo "Node.js v24.0.0" >&2; exit 1`;
    current = await fixture(
      planInput([
        {
          id: "fan",
          mode: "parallel",
          tasks: [
            { id: "ok", title: "OK", write: { path: "ok.txt", content: "ok" } },
            { id: "bad", title: "Bad", write: { path: "bad.txt", content: "x" }, verify: script, retries: 0 },
          ],
        },
      ]),
    );
    let printed = "";
    const progress = new ProgressReporter(
      { write: (t) => void (printed += t), tty: false, color: false },
      current.plan,
    );
    const events: EngineEvent[] = [];
    const result = await current.run({ reporter: { event: (e) => (events.push(e), progress.event(e)) } });
    expect(result.outcome).toBe("failed");
    const failed = events.find((e) => e.type === "task-failed");
    expect(failed?.type === "task-failed" && failed.output).toBeTruthy();
    const output = failed?.type === "task-failed" ? (failed.output ?? "") : "";
    expect(output.split("\n")).toHaveLength(40);
    expect(output).toContain("src/app.ts:12:5 - error TS2322: boom");
    expect(output).toContain("detail 80");
    expect(output).not.toContain("detail 30\n");
    // the event is what --log writes: it survives JSON
    expect(JSON.parse(JSON.stringify(failed))).toMatchObject({ output });
    expect(printed).toContain("  bad │ src/app.ts:12:5 - error TS2322: boom");
    expect(printed).toContain("  bad │ detail 79");
    expect(result.tasks.find((t) => t.id === "bad")?.output).toBe(output);

    const view = createRunView(current.plan, result.head);
    const row = view.rows.find((r) => r.id === "bad")!;
    Object.assign(row, { status: "failed", message: "verification failed", output });
    const summary = renderJobSummary(view);
    expect(summary).toContain("### Why it failed");
    expect(summary).toContain("src/app.ts:12:5 - error TS2322: boom");
  });
});
