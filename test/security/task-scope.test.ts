/**
 * Attempts to touch what a task may not: protected paths (in other spellings and cases), the
 * executing plan file, files outside an edit task's list, symbolic links that escape only when
 * followed through the tree, and the repository's own .git configuration. Each case asserts the
 * refusal, its message, and that nothing reached the remote.
 */
import { chmod, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixture, planInput, type Fixture } from "../engine/executor-fixture.js";
import { ScriptedModel } from "../engine/scripted-model.js";
import { planSchema, type Plan, type PlanInput } from "../../src/plan/schema.js";
import { checkTaskPath, protectionFor } from "../../src/plan/task-scope.js";
import { loadPlan } from "../../src/plan/load-plan.js";
import { assessPlanRisk } from "../../src/plan/risk.js";
import { stringify } from "yaml";

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.repo.cleanup();
  fx = undefined;
});

const PUSH = { push: { remote: "origin", branch: "main" } } as const;

async function remoteMain(f: Fixture): Promise<string> {
  return (await f.repo.git("ls-remote", "origin", "refs/heads/main")).split(/\s/)[0] ?? "";
}

const writeTask = (path: string, id = "w") => ({ id, title: "W", write: { path, content: "x\n" } });
const plan = (tasks: PlanInput["phases"][number]["tasks"], more: Partial<PlanInput> = {}): Plan =>
  planSchema.parse(planInput([{ id: "p", title: "P", tasks }], more));

describe("protected paths", () => {
  const PROTECTED: [string, string][] = [
    [".github/actions/setup/action.yml", ".github/**"],
    [".github/planwright.yml", ".github/**"],
    ["./.github//actions/../planwright.yml", ".github/**"],
    [".GitHub/CODEOWNERS", ".github/**"],
    ["CODEOWNERS", "CODEOWNERS"],
    ["docs/CODEOWNERS", "CODEOWNERS"],
    [".planwright/plans/9-other.yaml", ".planwright/**"],
    [".gitattributes", ".gitattributes"],
    ["sub/.gitattributes", ".gitattributes"],
    [".yarnrc.yml", ".yarnrc.yml"],
    [".pnpmfile.cjs", ".pnpmfile.cjs"],
    [".husky/pre-commit", ".*/**"],
    [".devcontainer/devcontainer.json", ".*/**"],
    [".vscode/tasks.json", ".*/**"],
    ["AGENTS.md", "AGENTS.md"],
    ["packages/a/CLAUDE.md", "CLAUDE.md"],
  ];

  it.each(PROTECTED)("refuses %s by default (%s)", (path, glob) => {
    const p = plan([writeTask(path)]);
    const verdict = checkTaskPath(path, undefined, [], protectionFor(p, p.phases[0]!.tasks[0]!));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(`protected path "${glob}"`);
    expect(verdict.reason).toContain("policy.protected.allow");
  });

  it("leaves ordinary paths alone, dot files in sub-folders included", () => {
    const p = plan([writeTask("src/a.ts")]);
    for (const path of ["src/a.ts", "src/.eslintrc.json", "docs/github/x.md", "src/.cache/x"]) {
      expect(checkTaskPath(path, undefined, [], protectionFor(p, p.phases[0]!.tasks[0]!)).ok).toBe(true);
    }
  });

  it("grants a protected path only to the task naming it, in a critical plan, when the configuration allows it", () => {
    const p = plan([writeTask(".github/CODEOWNERS"), writeTask("src/a.ts", "other")]);
    const [owner, other] = p.phases[0]!.tasks;
    expect(assessPlanRisk(p).level).toBe("critical");
    expect(assessPlanRisk(p).reasons[0]).toContain("touches a protected path");
    const allow = { allow: [".github/CODEOWNERS"] };
    expect(checkTaskPath(".github/CODEOWNERS", undefined, [], protectionFor(p, owner, allow)).ok).toBe(true);
    expect(checkTaskPath(".github/CODEOWNERS", undefined, [], protectionFor(p, owner)).ok).toBe(false);
    expect(checkTaskPath(".github/CODEOWNERS", undefined, [], protectionFor(p, other, allow)).ok).toBe(false);
    // allowed by the configuration but not named: still refused
    expect(
      checkTaskPath(
        ".github/dependabot.yml",
        undefined,
        [],
        protectionFor(p, owner, { allow: [".github/**"] }),
      ).ok,
    ).toBe(false);
    // configured additions protect more
    const extra = protectionFor(p, other, { add: ["src/**"] });
    expect(checkTaskPath("src/a.ts", undefined, [], extra).reason).toContain("policy.protected.add");
  });

  it("never grants the executing plan file, whatever the configuration says", () => {
    for (const path of [".planwright/plans/7-test.yaml", ".PlanWright/plans/7-test.yaml"]) {
      const p = plan([writeTask(path)]);
      const protection = protectionFor(p, p.phases[0]!.tasks[0]!, { allow: ["**"] });
      const verdict = checkTaskPath(path, undefined, [], protection);
      expect(verdict.ok).toBe(false);
      expect(verdict.reason).toContain("the plan file being executed");
    }
    const custom = plan([writeTask("plans/mine.yaml")]);
    const verdict = checkTaskPath(
      "plans/mine.yaml",
      undefined,
      [],
      protectionFor(custom, custom.phases[0]!.tasks[0]!, {}, "plans/mine.yaml"),
    );
    expect(verdict.reason).toContain("the plan file being executed");
  });

  it("is reported by validation: a warning without configuration, an error with it", () => {
    const text = stringify(
      planInput([
        {
          id: "p",
          title: "P",
          tasks: [writeTask(".husky/pre-commit"), writeTask(".planwright/plans/7-test.yaml", "self")],
        },
      ]),
    );
    const loose = loadPlan(text);
    expect(loose.diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning: .*"\.husky\/pre-commit" is protected \("\.\*\/\*\*"/),
        expect.stringMatching(/^error: .*is the plan's own file/),
      ]),
    );
    const strict = loadPlan(text, { protected: {} });
    expect(
      strict.diagnostics.some((d) => d.severity === "error" && d.message.includes(".husky/pre-commit")),
    ).toBe(true);
  });

  const RUN_TIME: [string, PlanInput["phases"][number]["tasks"][number]][] = [
    ["a write of a composite action", writeTask(".github/actions/x/action.yml")],
    ["a delete of the plan file", { id: "d", title: "D", delete: { path: ".planwright/plans/7-test.yaml" } }],
    [
      "a command rewriting the plan file",
      { id: "r", title: "R", run: "echo 'phases: []' > .planwright/plans/7-test.yaml" },
    ],
    [
      "a command adding a git hook manager",
      { id: "r", title: "R", run: "mkdir -p .husky && echo x > .husky/pre-commit" },
    ],
  ];

  it.each(RUN_TIME)("refuses %s at run time: policy failure, nothing pushed", async (_name, task) => {
    fx = await fixture(planInput([{ id: "p", title: "P", tasks: [task] }]), {
      ".planwright/plans/7-test.yaml": "version: 1\n",
    });
    const before = await remoteMain(fx);
    const result = await fx.run(PUSH);
    expect(result.outcome).toBe("failed");
    expect(result.failureClass).toBe("policy");
    expect(result.message).toMatch(/protected path|plan file being executed/);
    expect(await remoteMain(fx)).toBe(before);
  });
});

describe("edit tasks stay inside edit.files", () => {
  it("fails the task naming the undeclared files, and pushes nothing", async () => {
    const model = new ScriptedModel([
      { write: { "src/a.ts": "a\n", "src/extra.ts": "b\n", "lib/x.ts": "c\n" } },
    ]);
    fx = await fixture(
      planInput([
        {
          id: "p",
          title: "P",
          tasks: [{ id: "e", title: "E", edit: { files: ["src/a.ts"], instructions: "x" } }],
        },
      ]),
    );
    const before = await remoteMain(fx);
    const result = await fx.run({ ...PUSH, model });
    expect(result.failureClass).toBe("policy");
    expect(result.message).toContain("changed files outside its edit.files: lib/x.ts, src/extra.ts");
    expect(await remoteMain(fx)).toBe(before);
  });

  it("accepts changes to the declared files, new ones included", async () => {
    const model = new ScriptedModel([{ write: { "src/a.ts": "a\n", "./src/new.ts": "n\n" } }]);
    fx = await fixture(
      planInput([
        {
          id: "p",
          title: "P",
          tasks: [{ id: "e", title: "E", edit: { files: ["src/a.ts", "src/new.ts"], instructions: "x" } }],
        },
      ]),
    );
    const result = await fx.run({ ...PUSH, model });
    expect(result.outcome, result.message).toBe("succeeded");
    expect(await remoteMain(fx)).toBe(result.head);
  });
});

describe("symbolic links are judged through the tree", () => {
  const LINKS: [string, [string, string][], string][] = [
    [
      "a chain through a link to a parent folder",
      [
        ["src/d", "../src"],
        ["src/x", "d/../../etc/passwd"],
      ],
      'src/x: symbolic link to "d/../../etc/passwd" points outside the repository',
    ],
    [
      "a link to the repository root",
      [["src/up", ".."]],
      'src/up: symbolic link to ".." points at the repository root',
    ],
    [
      "a link to the folder of the workflows",
      [["src/gh", "../.github"]],
      'src/gh: symbolic link to "../.github"',
    ],
    [
      "a loop",
      [
        ["src/l1", "l2"],
        ["src/l2", "l1"],
      ],
      "follows more than 40 links",
    ],
    [
      "a link to the plan file",
      [["src/plan.yaml", "../.planwright/plans/7-test.yaml"]],
      "the plan file being executed",
    ],
  ];

  it.each(LINKS)("refuses %s made by a command, nothing pushed", async (_name, links, message) => {
    const script = links.map(([path, target]) => `ln -s '${target}' '${path}'`).join(" && ");
    fx = await fixture(planInput([{ id: "p", title: "P", tasks: [{ id: "r", title: "R", run: script }] }]), {
      "src/a.ts": "a\n",
    });
    const before = await remoteMain(fx);
    const result = await fx.run(PUSH);
    expect(result.failureClass).toBe("policy");
    expect(result.message).toContain(message);
    expect(result.message).toContain("nothing was pushed");
    expect(await remoteMain(fx)).toBe(before);
  });

  it("refuses a write or delete through an in-tree link to the workflows, without a verify command", async () => {
    for (const task of [
      writeTask("src/wf/ci.yml"),
      { id: "d", title: "D", delete: { path: "src/wf/ci.yml" } },
    ]) {
      fx = await fixture(planInput([{ id: "p", title: "P", tasks: [task] }]), {
        ".github/workflows/ci.yml": "on: push\n",
        "src/keep": "k\n",
      });
      // a link committed earlier, harmless by itself for a reader of the tree
      await symlink("../.github/workflows", join(fx.repo.dir, "src/wf"));
      await fx.repo.git("add", "-A");
      await fx.repo.git("commit", "--quiet", "-m", "link");
      const before = await remoteMain(fx);
      const result = await fx.run(PUSH);
      expect(result.failureClass).toBe("policy");
      expect(result.message).toContain('through a symbolic link it is ".github/workflows/ci.yml"');
      expect(await readFile(join(fx.repo.dir, ".github/workflows/ci.yml"), "utf8")).toBe("on: push\n");
      expect(await remoteMain(fx)).toBe(before);
      await fx.repo.cleanup();
      fx = undefined;
    }
  });
});

describe(".git is never changed by a task", () => {
  const TAMPER: [string, string, string][] = [
    [
      "sets core.hooksPath",
      "d=.gi; printf '[core]\\n\\thooksPath = .hooks\\n' >> ${d}t/config && echo x > src/a.ts",
      ".git/config",
    ],
    [
      "adds a hook",
      "printf '#!/bin/sh\\nexit 0\\n' > .git/hooks/pre-push && chmod +x .git/hooks/pre-push && echo x > src/a.ts",
      ".git/hooks/pre-push",
    ],
    [
      "hides files with info/exclude",
      "echo 'src/' >> .git/info/exclude; echo x > src/a.ts",
      ".git/info/exclude",
    ],
    [
      "writes info/attributes then fails",
      "mkdir -p .git/info && echo '* filter=x' > .git/info/attributes; exit 3",
      ".git/info/attributes",
    ],
  ];

  it.each(TAMPER)(
    "refuses a command that %s, puts it back, and pushes nothing",
    async (_name, command, changed) => {
      fx = await fixture(
        planInput([{ id: "p", title: "P", tasks: [{ id: "r", title: "R", run: command, retries: 2 }] }]),
        {
          "src/a.ts": "a\n",
        },
      );
      const config = await readFile(join(fx.repo.dir, ".git/config"), "utf8");
      const before = await remoteMain(fx);
      const result = await fx.run(PUSH);
      expect(result.failureClass).toBe("policy");
      expect(result.message).toContain("changed the repository's own git configuration");
      expect(result.message).toContain(changed);
      expect(result.tasks[0]?.attempts).toBe(1);
      expect(await readFile(join(fx.repo.dir, ".git/config"), "utf8")).toBe(config);
      await expect(readFile(join(fx.repo.dir, ".git/hooks/pre-push"))).rejects.toThrow();
      expect(await remoteMain(fx)).toBe(before);
    },
  );

  it("notices a mode change of an existing hook", async () => {
    fx = await fixture(
      planInput([
        {
          id: "p",
          title: "P",
          tasks: [{ id: "r", title: "R", run: "chmod +x .git/hooks/x.sample; echo y > y" }],
        },
      ]),
    );
    await writeFile(join(fx.repo.dir, ".git/hooks/x.sample"), "#!/bin/sh\n");
    await chmod(join(fx.repo.dir, ".git/hooks/x.sample"), 0o644);
    const result = await fx.run(PUSH);
    expect(result.message).toContain(".git/hooks/x.sample");
  });
});
