import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlanwrightError, UsageError } from "../../src/errors.js";
import {
  canonicalRequestHash,
  cassetteKey,
  readCassette,
  ReplayMissError,
  type CassetteEntry,
} from "../../src/llm/cassette.js";
import { createModelClient } from "../../src/llm/client.js";
import { startFakeMessagesServer, type FakeMessagesServer } from "./fake-messages-server.js";

const KEY = "sk-ant-api03-cassette-key-abcdefghijklmnop";

let dir: string;
let server: FakeMessagesServer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "planwright-cassette-"));
  server = await startFakeMessagesServer();
});
afterEach(async () => {
  await server.close().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const ask = (text: string) => ({ max_tokens: 50, messages: [{ role: "user" as const, content: text }] });

describe("canonicalRequestHash", () => {
  it("ignores key order and volatile fields, not content", () => {
    const a = {
      model: "m",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
      metadata: { user_id: "1" },
    };
    const b = { messages: [{ content: "x", role: "user" }], max_tokens: 5, model: "m", stream: false };
    expect(canonicalRequestHash(a)).toBe(canonicalRequestHash(b));
    expect(canonicalRequestHash({ ...b, max_tokens: 6 })).not.toBe(canonicalRequestHash(b));
    expect(canonicalRequestHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("record and replay through the real SDK", () => {
  it("replays recorded exchanges identically with no server running", async () => {
    const cassette = join(dir, "nested", "run.jsonl");
    server.enqueue(
      { content: "first answer" },
      { content: [{ type: "tool_use", name: "list_files", input: { glob: "src/**" } }] },
      { content: "second answer to the same question" },
    );
    const recorder = createModelClient({
      apiKey: KEY,
      baseURL: server.url,
      model: "claude-sonnet-4-6",
      record: cassette,
    });
    const recorded = [
      await recorder.create(ask("What is 2+2?")),
      await recorder.create(ask("List the files")),
      await recorder.create(ask("What is 2+2?")),
    ];
    await server.close();

    const replayer = createModelClient({ model: "claude-sonnet-4-6", replay: cassette, baseURL: server.url });
    const replayed = [
      await replayer.create(ask("What is 2+2?")),
      await replayer.create(ask("List the files")),
      await replayer.create(ask("What is 2+2?")),
    ];
    expect(replayed.map((r) => r.message)).toEqual(recorded.map((r) => r.message));
    expect(replayed.map((r) => r.usage)).toEqual(recorded.map((r) => r.usage));
    // Same request twice: the recorded answers come back in order.
    expect(replayed[2]!.message.content[0]).toMatchObject({ text: "second answer to the same question" });
  });

  it("stores one JSON line per exchange with hash, redacted request, response and usage", async () => {
    const cassette = join(dir, "run.jsonl");
    server.enqueue({ content: "noted" });
    const c = createModelClient({
      apiKey: KEY,
      baseURL: server.url,
      model: "claude-haiku-4-5",
      record: cassette,
    });
    const token = "ghp_" + "a".repeat(36);
    await c.create(ask(`remember ${token} and ${KEY}`));
    const lines = (await readFile(cassette, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as CassetteEntry;
    expect(entry.hash).toBe(cassetteKey(server.requests[0]!.body));
    expect(entry.hash).not.toBe(canonicalRequestHash(server.requests[0]!.body));
    expect(JSON.stringify(entry.request)).toContain("remember [redacted] and [redacted]");
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).not.toContain("cassette-key");
    expect(entry.response.status).toBe(200);
    expect(entry.usage?.outputTokens).toBeGreaterThan(0);
  });

  it("records and replays streamed calls, with usage", async () => {
    const cassette = join(dir, "stream.jsonl");
    server.enqueue({ content: [{ type: "tool_use", name: "search", input: { pattern: "TODO" } }] });
    const recorder = createModelClient({
      apiKey: KEY,
      baseURL: server.url,
      model: "claude-sonnet-4-6",
      record: cassette,
      streaming: "always",
    });
    const recorded = await recorder.create(ask("find the TODOs"));
    await server.close();
    const entry = readCassette(cassette)[0]!;
    expect(entry.response.contentType).toContain("text/event-stream");
    expect(entry.usage).toEqual(recorded.usage);
    const replayer = createModelClient({ model: "claude-sonnet-4-6", replay: cassette, streaming: "always" });
    const replayed = await replayer.create(ask("find the TODOs"));
    expect(replayed.message).toEqual(recorded.message);
    expect(replayed.usage).toEqual(recorded.usage);
  });

  it("redacts secrets in stored answers and still replays the conversation that follows them", async () => {
    const cassette = join(dir, "secret.jsonl");
    const token = "ghs_" + "Q".repeat(36);
    server.enqueue({ content: `Found the token ${token} in .env` }, { content: "Removed it." });
    const converse = async (c: ReturnType<typeof createModelClient>) => {
      const first = await c.create(ask("look for secrets"));
      const second = await c.create({
        max_tokens: 50,
        messages: [
          { role: "user", content: "look for secrets" },
          { role: "assistant", content: first.message.content as never },
          { role: "user", content: "remove it" },
        ],
      });
      return [first, second];
    };
    const recorded = await converse(
      createModelClient({ apiKey: KEY, baseURL: server.url, model: "claude-sonnet-4-6", record: cassette }),
    );
    expect(recorded[0]!.message.content[0]).toMatchObject({ text: `Found the token ${token} in .env` });
    expect(await readFile(cassette, "utf8")).not.toContain(token);
    await server.close();
    const replayed = await converse(createModelClient({ model: "claude-sonnet-4-6", replay: cassette }));
    expect(replayed[0]!.message.content[0]).toMatchObject({ text: "Found the token [redacted] in .env" });
    expect(replayed[1]!.message).toEqual(recorded[1]!.message);
  });

  it("does not record failed attempts", async () => {
    const cassette = join(dir, "run.jsonl");
    server.enqueue({ status: 500, headers: { "retry-after-ms": "1" } }, { content: "ok" });
    const c = createModelClient({
      apiKey: KEY,
      baseURL: server.url,
      model: "claude-sonnet-4-6",
      record: cassette,
    });
    await c.create(ask("hi"));
    expect(readCassette(cassette)).toHaveLength(1);
  });

  it("fails clearly on a request the cassette does not hold", async () => {
    const cassette = join(dir, "run.jsonl");
    server.enqueue({ content: "only one" });
    await createModelClient({
      apiKey: KEY,
      baseURL: server.url,
      model: "claude-sonnet-4-6",
      record: cassette,
    }).create(ask("known question"));
    const replayer = createModelClient({ model: "claude-sonnet-4-6", replay: cassette });
    const unknown = ask("an unknown question\nspanning lines");
    const hash = cassetteKey({ ...unknown, model: "claude-sonnet-4-6" });
    await expect(replayer.create(unknown)).rejects.toThrow(
      `replay: no recorded response for request ${hash.slice(0, 12)} (claude-sonnet-4-6, "an unknown question spanning lines")`,
    );
    await expect(replayer.create(unknown)).rejects.toBeInstanceOf(ReplayMissError);
    await replayer.create(ask("known question"));
    const again = await replayer.create(ask("known question")).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(PlanwrightError);
    expect((again as Error).message).toMatch(/was recorded 1 time\(s\) and is asked for again$/);
  });

  it("reports a missing cassette or a bad line with the place", async () => {
    expect(() => createModelClient({ model: "m", replay: join(dir, "absent.jsonl") })).toThrow(UsageError);
    expect(() => createModelClient({ model: "m", replay: join(dir, "absent.jsonl") })).toThrow(
      /^replay: cannot read cassette .*absent\.jsonl \(ENOENT\)$/,
    );
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, `{"hash":"x","response":{"status":200}}\n{oops\n`);
    expect(() => readCassette(bad)).toThrow(/bad\.jsonl:2: not a JSON cassette entry$/);
    await writeFile(bad, `{"hash":"x"}\n`);
    expect(() => readCassette(bad)).toThrow(
      /bad\.jsonl:1: a cassette entry needs "hash" and "response.status"$/,
    );
  });
});
