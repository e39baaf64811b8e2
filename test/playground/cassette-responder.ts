/**
 * The bundled cassette (examples/cassettes/demo-2fa.jsonl) as the fake model's answer to the App
 * and the Action. The cassette was recorded through the CLI, whose requests differ from the App's
 * (the App adds the issue thread, its own configuration), so answers are found by what a request
 * is, not by its hash: the planner's `submit_plan` call gets the recorded plan; each turn of the
 * coding agent gets the recorded turn of the same task at the same depth of the conversation. A
 * review asking for a checkpoint gets the recorded plan with `checkpoint: true` on the TOTP
 * service (the cassette holds no revision; this is the one scripted answer).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- cassette entries are arbitrary JSON */
import { readFileSync } from "node:fs";
import type { FakeContentBlock, FakeReply, RecordedRequest } from "../llm/fake-messages-server.js";

/** What the reviewer asks for in the demo and the playground, and the task it is about. */
export const CHECKPOINT_REQUEST =
  "Please pause after the TOTP service so we can try it before the login changes.";
export const CHECKPOINT_TASK = "totp-service";

interface Entry {
  request: any;
  response: { body: { content: FakeContentBlock[]; stop_reason?: string } };
}

const toolsOf = (body: any): string[] =>
  Array.isArray(body?.tools) ? body.tools.map((t: any) => t?.name) : [];

function textOf(message: any): string {
  if (typeof message?.content === "string") return message.content;
  return (Array.isArray(message?.content) ? message.content : [])
    .map((b: any) => (b?.type === "text" ? String(b.text) : ""))
    .join("\n");
}

/** The task id a coding-agent conversation is about ("# Your task: <id> — …"). */
function taskOf(body: any): string | undefined {
  return /# Your task: ([a-z0-9-]+)/.exec(textOf(body?.messages?.[0]))?.[1];
}

/** A responder for the fake Messages server, from the cassette at `path`. */
export function cassetteResponder(path: string): (request: RecordedRequest) => FakeReply {
  const entries: Entry[] = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Entry);
  const plannerEntry = entries.find((e) => toolsOf(e.request).includes("submit_plan"));
  if (!plannerEntry) throw new Error(`${path}: no planner exchange (submit_plan) in the cassette`);
  const plan = (plannerEntry.response.body.content.find((b) => b.type === "tool_use") as { input: any })
    .input;
  const turns = new Map<string, Entry>();
  for (const entry of entries) {
    const task = taskOf(entry.request);
    if (task) turns.set(`${task}#${entry.request.messages.length}`, entry);
  }
  const revised = structuredClone(plan);
  for (const phase of revised.phases) {
    for (const task of phase.tasks) if (task.id === CHECKPOINT_TASK) task.checkpoint = true;
  }

  return (request) => {
    const body = request.body;
    const tools = toolsOf(body);
    if (tools.includes("submit_plan")) return { content: plannerEntry.response.body.content };
    if (tools.includes("submit_revision")) {
      return {
        content: [
          {
            type: "tool_use",
            name: "submit_revision",
            input: {
              plan: revised,
              notes: `Set a checkpoint after ${CHECKPOINT_TASK}: the run waits for Continue before the login step.`,
            },
          },
        ],
      };
    }
    const task = taskOf(body);
    const turn = task ? turns.get(`${task}#${body.messages.length}`) : undefined;
    if (turn) return { content: turn.response.body.content };
    return {
      status: 400,
      body: {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: `the bundled cassette holds no answer for this request (${task ? `task ${task}, ` : ""}${body?.messages?.length ?? 0} messages); use a real ANTHROPIC_API_KEY for other requests`,
        },
      },
    };
  };
}
