/**
 * Request checks of the fake Messages API server: the 400s of the real API that catch agent-loop
 * bugs in tests.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are arbitrary JSON here */

/**
 * The checks of the real API that catch agent-loop bugs: required fields, and tool_use blocks
 * answered by tool_result blocks in the very next user message (and only those). Returns the
 * API-style message of the first problem.
 */
export function validateMessagesRequest(body: any): string | undefined {
  if (body === undefined || typeof body !== "object") return "request body must be a JSON object";
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return "max_tokens: Field required";
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return "messages: at least one message is required";
  const blocksOf = (m: any): any[] =>
    typeof m?.content === "string"
      ? [{ type: "text", text: m.content }]
      : Array.isArray(m?.content)
        ? m.content
        : [];
  for (const [i, message] of body.messages.entries()) {
    if (message?.role !== "user" && message?.role !== "assistant") {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    if (typeof message.content !== "string" && !Array.isArray(message.content))
      return `messages.${i}.content: Field required`;
    const blocks = blocksOf(message);
    if (blocks.length === 0 && i < body.messages.length - 1)
      return `messages.${i}: all messages must have non-empty content`;
    for (const block of blocks) {
      if (
        block?.type === "text" &&
        typeof block.text === "string" &&
        block.text.trim() === "" &&
        message.role === "user"
      ) {
        return `messages.${i}: text content blocks must contain non-whitespace text`;
      }
    }
    const previous = i > 0 ? body.messages[i - 1] : undefined;
    const asked = new Set(
      previous?.role === "assistant"
        ? blocksOf(previous)
            .filter((b) => b?.type === "tool_use")
            .map((b) => b.id)
        : [],
    );
    const answered = blocks.filter((b) => b?.type === "tool_result").map((b) => b.tool_use_id);
    for (const id of answered) {
      if (message.role !== "user" || !asked.has(id)) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    if (message.role === "assistant") {
      const ids = blocks.filter((b) => b?.type === "tool_use").map((b) => b.id);
      const next = body.messages[i + 1];
      const replies = new Set(
        next
          ? blocksOf(next)
              .filter((b) => b?.type === "tool_result")
              .map((b) => b.tool_use_id)
          : [],
      );
      const missing = ids.filter((id) => !replies.has(id));
      if (next && missing.length > 0) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  return undefined;
}
