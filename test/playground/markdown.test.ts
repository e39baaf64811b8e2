/**
 * The playground's Markdown: GitHub-flavoured, with raw HTML handled as GitHub's sanitiser does for
 * what Planwright writes. Attempts to get script into the page: tags, attributes, other spellings,
 * links and images.
 */
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.js";

const render = (text: string) =>
  renderMarkdown(text, { repoUrl: "https://github.com/acme/accounts", localBase: "/acme/accounts" });

describe("playground Markdown", () => {
  it("renders GFM tables, task lists and code, and Mermaid blocks for mermaid", () => {
    const html = render(
      "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n```mermaid\nflowchart TD\n  a --> b\n```\n",
    );
    expect(html).toContain("<table>");
    expect(html).toMatch(/<input[^>]*checked/);
    expect(html).toContain('<pre class="mermaid">flowchart TD\n  a --&gt; b</pre>');
  });

  it("hides HTML comments (the status markers) and keeps <details> and <summary>", () => {
    const html = render(
      "<!-- planwright:status plan=1 -->\n\n<details open><summary>more</summary>\n\nbody\n\n</details>\n",
    );
    expect(html).not.toContain("planwright:status");
    expect(html).toContain("<details open>");
    expect(html).toContain("<summary>");
  });

  it.each([
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.invalid/a.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<iframe src=//x.invalid>",
    '<details ontoggle="alert(1)" open>x</details>',
    "<svg><script>alert(1)</script></svg>",
    "<scr<script>ipt>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
  ])("shows %s as text, never as active HTML", (attack) => {
    const html = render(`text\n\n${attack}\n\ninline ${attack} too`);
    expect(html).not.toMatch(/<(script|iframe|img|svg|a)\b/i);
    expect(html).not.toMatch(/<[^>]+\son[a-z]+=/i);
  });

  it("neutralises javascript: and data: links, and rewrites links into the repository", () => {
    expect(render("[x](javascript:alert(1))")).toContain('href="#"');
    expect(render("[x](JavaScript:alert(1))")).toContain('href="#"');
    expect(render("[x](data:text/html,hi)")).toContain('href="#"');
    expect(render("[run](https://github.com/acme/accounts/actions/runs/7)")).toContain(
      'href="/acme/accounts/actions/runs/7"',
    );
    expect(render("![alt](https://x.invalid/a.png)")).not.toContain("<img");
  });
});
