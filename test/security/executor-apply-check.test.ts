import { afterEach, describe, expect, it } from "vitest";
import { fixture, planInput, type Fixture } from "../engine/executor-fixture.js";

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.repo.cleanup();
  fx = undefined;
});

const PUSH = { push: { remote: "origin", branch: "main" } } as const;

async function remoteMain(f: Fixture): Promise<string> {
  return (await f.repo.git("ls-remote", "origin", "refs/heads/main")).split(/\s/)[0] ?? "";
}

describe("executePlan with apply-time verification", () => {
  it("pushes each verified task commit", async () => {
    fx = await fixture(
      planInput([
        {
          id: "p",
          title: "P",
          tasks: [
            { id: "a", title: "A", write: { path: "src/a.ts", content: "a\n" } },
            { id: "b", title: "B", run: "echo b > src/b.ts" },
          ],
        },
      ]),
    );
    const result = await fx.run(PUSH);
    expect(result.outcome).toBe("succeeded");
    expect(await remoteMain(fx)).toBe(result.head);
  });

  it("verifies and pushes the commits a parallel phase lands one after another", async () => {
    fx = await fixture(
      planInput([
        {
          id: "par",
          title: "Parallel",
          mode: "parallel",
          tasks: [
            { id: "a", title: "A", write: { path: "src/a.ts", content: "a\n" } },
            { id: "b", title: "B", run: "echo b > b.ts" },
            { id: "c", title: "C", write: { path: "src/c.ts", content: "c\n" } },
          ],
        },
      ]),
    );
    const result = await fx.run({ ...PUSH, concurrency: 3 });
    expect(result.outcome, result.message).toBe("succeeded");
    expect((await fx.taskCommits()).map((c) => c.task).sort()).toEqual(["a", "b", "c"]);
    expect(await remoteMain(fx)).toBe(result.head);
  });

  it("refuses to push a symlink to /etc/passwd made by a run command: policy failure, nothing pushed", async () => {
    fx = await fixture(
      planInput([
        {
          id: "p",
          title: "P",
          tasks: [
            { id: "a", title: "A", write: { path: "src/a.ts", content: "a\n" } },
            { id: "link", title: "Link", run: "ln -s /etc/passwd src/pw" },
          ],
        },
      ]),
    );
    const before = await remoteMain(fx);
    const result = await fx.run(PUSH);
    expect(result.outcome).toBe("failed");
    expect(result.failureClass).toBe("policy");
    expect(result.message).toMatch(
      /^refused to push commit [0-9a-f]{7} of task link: src\/pw: symbolic link to "\/etc\/passwd" points outside the repository; nothing was pushed$/,
    );
    // task a was pushed before the link task ran; the link commit never was
    const pushed = await remoteMain(fx);
    expect(pushed).not.toBe(before);
    expect(pushed).not.toBe(result.head);
    const finished = fx.events.find((e) => e.type === "run-finished");
    expect(finished?.type === "run-finished" && finished.message).toBe(result.message);
  });

  it("refuses a 50 MB file, and applies configured caps", async () => {
    fx = await fixture(
      planInput([
        {
          id: "p",
          title: "P",
          tasks: [{ id: "big", title: "Big", run: "head -c 52428800 /dev/zero > big.bin" }],
        },
      ]),
    );
    const before = await remoteMain(fx);
    const result = await fx.run(PUSH);
    expect(result.failureClass).toBe("policy");
    expect(result.message).toContain("big.bin: 50.0 MiB is larger than the per-file cap of 5.0 MiB");
    expect(await remoteMain(fx)).toBe(before);
  });

  it("takes caps from the options and can be switched off", async () => {
    const input = planInput([
      {
        id: "p",
        title: "P",
        tasks: [{ id: "w", title: "W", write: { path: "w.txt", content: "0123456789ab" } }],
      },
    ]);
    fx = await fixture(input);
    const before = await remoteMain(fx);
    const result = await fx.run({ ...PUSH, applyCheck: { caps: { maxFileBytes: 10 } } });
    expect(result.message).toContain("w.txt: 12 bytes is larger than the per-file cap of 10 bytes");
    expect(await remoteMain(fx)).toBe(before);
    const again = await fx.run({ ...PUSH, applyCheck: false });
    expect(again.outcome).toBe("succeeded");
    expect(await remoteMain(fx)).toBe(again.head);
  });
});
