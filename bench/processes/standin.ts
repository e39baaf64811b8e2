/**
 * The GitHub stand-in (test/sandbox) in a process of its own, for the webhook benchmark. Prints
 * one JSON line once it listens: its URL and two `issue_comment.created` payloads (a `/help`
 * command and a plain comment) on an issue it created, for the load generator to sign and send.
 */
import { CONFIG_FILES, PEOPLE } from "../../test/e2e/e2e-harness.js";
import { startSandbox } from "../../test/sandbox/github-sandbox.js";

const github = await startSandbox({ files: { ...CONFIG_FILES, "README.md": "# bench\n" }, users: PEOPLE });
const issue = await github.createIssue("maya", "Busy issue");
const payload = (body: string) => {
  const comment = github.state.addComment(issue.number, "maya", body);
  const record = github.state.issues.get(issue.number);
  return {
    action: "created",
    issue: record ? github.state.issueJson(record) : {},
    comment: github.state.commentJson(comment),
    repository: github.state.repoJson(),
    sender: github.state.userJson("maya"),
    installation: { id: 1, node_id: "I_1" },
  };
};
process.stdout.write(
  JSON.stringify({ url: github.url, payloads: [payload("/help"), payload("Looks good to me")] }) + "\n",
);
const stop = () => void github.close().finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
