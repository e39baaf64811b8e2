/**
 * Risk of a plan, computed from what its tasks touch and run. The level decides how many approvals
 * a plan needs, so the rules are a readable table, each with the reason a reviewer will see.
 */
import picomatch from "picomatch";
import { findDangerous } from "./command-rules.js";
import { protectedEntry } from "./protected-paths.js";
import { RISK_LEVELS, type Plan, type RiskLevel, type Task } from "./schema.js";

/** A risk level and the human reasons for it (empty when nothing raised it above low). */
export interface RiskAssessment {
  level: RiskLevel;
  reasons: string[];
}

/** The risk of a whole plan, with each task's own assessment. */
export interface PlanRisk extends RiskAssessment {
  /** By task id. */
  tasks: Map<string, RiskAssessment>;
  /** The `risk:` the plan declares, if any. */
  declared?: RiskLevel;
  /** True when the plan declares a lower risk than computed. */
  understated: boolean;
}

/** Negative when `a` is lower than `b`, zero when equal, positive when higher. */
export function compareRisk(a: RiskLevel, b: RiskLevel): number {
  return RISK_LEVELS.indexOf(a) - RISK_LEVELS.indexOf(b);
}

function maxRisk(a: RiskLevel, b: RiskLevel): RiskLevel {
  return compareRisk(a, b) >= 0 ? a : b;
}

function bump(level: RiskLevel): RiskLevel {
  return RISK_LEVELS[Math.min(RISK_LEVELS.indexOf(level) + 1, RISK_LEVELS.length - 1)] ?? level;
}

/** What a rule looks at: the task, the paths it touches and the command it runs. */
interface TaskFacts {
  task: Task;
  plan: Plan | undefined;
  paths: string[];
  command: string | undefined;
}

interface RiskRule {
  id: string;
  level: RiskLevel;
  reason: string;
  /** The evidence (paths, command) when the rule applies, otherwise undefined. */
  test: (facts: TaskFacts) => string[] | undefined;
}

const glob = (patterns: string[], ignore: string[] = []) => {
  const m = picomatch(patterns, { dot: true, nocase: true, ignore });
  return (facts: TaskFacts): string[] | undefined => {
    const hits = facts.paths.filter((p) => m(p));
    return hits.length > 0 ? hits : undefined;
  };
};
const command = (pattern: RegExp) => (facts: TaskFacts) =>
  facts.command !== undefined && pattern.test(facts.command) ? [facts.command] : undefined;

// Split from one string to keep the table short; each name matches at any depth.
const MANIFESTS = (
  "package.json package-lock.json npm-shrinkwrap.json yarn.lock pnpm-lock.yaml bun.lockb " +
  "pyproject.toml poetry.lock Pipfile Pipfile.lock requirements*.txt setup.py setup.cfg go.mod go.sum " +
  "Cargo.toml Cargo.lock Gemfile Gemfile.lock composer.json composer.lock pom.xml build.gradle*"
)
  .split(" ")
  .map((name) => `**/${name}`);

// Words in a path (split on separators and camelCase) that mark authentication or security code.
const SECURITY_WORD =
  /^(?:auth(?!or)\w*|login|logout|signin|signup|session|sessions|password|passwords|passwd|crypto\w*|security|secure|permission|permissions|oauth\w*|jwt|token|tokens|totp|otp|2fa|mfa|secret|secrets|acl|rbac|csrf|saml|sso)$/;

// Documentation about authentication is not authentication code.
const isDoc = picomatch(["**/*.{md,mdx,markdown,rst,txt,adoc}", "docs/**", "doc/**"], {
  dot: true,
  nocase: true,
});

function securityPaths(facts: TaskFacts): string[] | undefined {
  const hits = facts.paths.filter(
    (p) =>
      !isDoc(p) &&
      p
        .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
        .toLowerCase()
        .split(/[/._\-\s]+/)
        .some((word) => SECURITY_WORD.test(word)),
  );
  return hits.length > 0 ? hits : undefined;
}

const editCount = (min: number) => (facts: TaskFacts) => {
  const n = facts.task.edit?.files.length ?? 0;
  return n > min ? [`${n} files`] : undefined;
};

/** Verification switched off for the task, or no verification at all for code edits. */
function unverified(facts: TaskFacts): string[] | undefined {
  if (!facts.task.edit) return undefined;
  const verify = facts.task.verify ?? facts.plan?.defaults?.verify;
  return verify === undefined || verify === false ? ["no verify command"] : undefined;
}

/** The rules, most severe first; a task's level is the highest rule that applies. */
const RULES: readonly RiskRule[] = [
  {
    id: "dangerous-command",
    level: "critical",
    reason: "runs a command the policy always refuses",
    test: (f) => (f.command !== undefined && findDangerous(f.command) ? [f.command] : undefined),
  },
  {
    id: "protected-paths",
    level: "critical",
    reason: "touches a protected path (CI, review rules, tool configuration that runs code)",
    test: (f) => {
      const hits = f.paths.filter((p) => protectedEntry(p) !== undefined);
      return hits.length > 0 ? hits : undefined;
    },
  },
  {
    id: "ci-workflows",
    level: "critical",
    reason: "changes CI workflows",
    test: glob([".github/workflows/**"]),
  },
  {
    id: "ci-config",
    level: "high",
    reason: "changes CI configuration",
    test: glob(
      [
        ".github/**",
        "**/{.gitlab-ci.yml,Jenkinsfile,azure-pipelines.yml,.travis.yml}",
        "{.circleci,.buildkite}/**",
      ],
      [".github/workflows/**"],
    ),
  },
  {
    id: "migration-command",
    level: "high",
    reason: "runs database migrations",
    test: command(
      /\bmigrat(?:e|es|ion|ions)\b|\balembic\b|\bflyway\b|\bliquibase\b|\.sql\b|\b(?:psql|mysql)\b/i,
    ),
  },
  {
    id: "migration-paths",
    level: "high",
    reason: "changes database migrations or schema",
    test: glob(["**/migrations/**", "**/migrate/**", "**/*.sql", "**/schema.prisma", "**/db/schema.rb"]),
  },
  {
    id: "security-paths",
    level: "high",
    reason: "touches authentication or security code",
    test: securityPaths,
  },
  {
    id: "infrastructure",
    level: "high",
    reason: "changes infrastructure (containers, Terraform, Kubernetes)",
    test: glob([
      "**/{Dockerfile*,*.dockerfile,docker-compose*.{yml,yaml},compose.{yml,yaml},*.tf,*.tfvars}",
      "**/{k8s,kubernetes,helm,charts}/**",
    ]),
  },
  {
    id: "delete-directory",
    level: "high",
    reason: "deletes a whole directory",
    test: (f) => {
      const p = f.task.delete?.path;
      const last = p?.replace(/\/+$/, "").split("/").pop() ?? "";
      return p !== undefined && (p.endsWith("/") || /[*?[{]/.test(p) || !last.includes("."))
        ? [p]
        : undefined;
    },
  },
  {
    id: "recursive-delete-command",
    level: "high",
    reason: "deletes files recursively",
    test: command(/\brm\s+(?:\S+\s+)*?(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\b/),
  },
  { id: "many-files-high", level: "high", reason: "edits more than 25 files", test: editCount(25) },
  { id: "many-files", level: "medium", reason: "edits more than 10 files", test: editCount(10) },
  {
    id: "dependency-manifests",
    level: "medium",
    reason: "changes dependency manifests or lockfiles",
    test: glob(MANIFESTS),
  },
  {
    id: "package-install",
    level: "medium",
    reason: "installs packages from the network",
    test: command(
      /\b(?:npm|pnpm|yarn|bun)\s+(?:i|install|add|ci|update|upgrade)\b|\b(?:pip3?|pipx|gem|cargo)\s+install\b|\b(?:poetry|cargo|bundle|uv)\s+(?:add|install)\b|\bgo\s+(?:get|install)\b|\bapt(?:-get)?\s+install\b|\bbrew\s+install\b/,
    ),
  },
  {
    id: "network",
    level: "medium",
    reason: "uses the network",
    test: command(/\b(?:curl|wget|ssh|scp|rsync)\b|\bgit\s+(?:clone|fetch|pull)\b/),
  },
  {
    id: "delete",
    level: "medium",
    reason: "deletes files",
    test: (f) => (f.task.delete ? [f.task.delete.path] : undefined),
  },
  {
    id: "command",
    level: "medium",
    reason: "runs a shell command",
    test: (f) => (f.command ? [f.command] : undefined),
  },
  { id: "unverified", level: "medium", reason: "changes code without a verify command", test: unverified },
];

interface RuleHit {
  rule: RiskRule;
  evidence: string[];
}

function factsOf(task: Task, plan: Plan | undefined): TaskFacts {
  const paths = [
    ...(task.edit?.files ?? []),
    ...(task.write ? [task.write.path] : []),
    ...(task.delete ? [task.delete.path] : []),
  ];
  return {
    task,
    plan,
    // Rules see repository-relative POSIX paths; `./src\auth.ts` is `src/auth.ts`.
    paths: paths.map((p) => p.replace(/\\/g, "/").replace(/^(?:\.\/)+/, "")),
    command: task.run,
  };
}

function hitsOf(task: Task, plan: Plan | undefined): RuleHit[] {
  const facts = factsOf(task, plan);
  const hits: RuleHit[] = [];
  for (const rule of RULES) {
    const evidence = rule.test(facts);
    if (evidence) hits.push({ rule, evidence });
  }
  return hits;
}

function levelOf(hits: readonly RuleHit[]): RiskLevel {
  return hits.reduce<RiskLevel>((acc, h) => maxRisk(acc, h.rule.level), "low");
}

function brief(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown}, +${items.length - max} more` : shown;
}

/** The risk of one task, with reasons naming the paths or command that raised it. */
export function assessTaskRisk(task: Task, plan?: Plan): RiskAssessment {
  const hits = hitsOf(task, plan);
  return {
    level: levelOf(hits),
    reasons: hits.map((h) => `${h.rule.reason} (${brief(h.evidence)})`),
  };
}

/** Plans with at least this many high-or-critical tasks are bumped one level. */
const MANY_HIGH_TASKS = 4;

/**
 * The risk of a plan: the highest task level, one level higher when {@link MANY_HIGH_TASKS} or more
 * tasks are high, and never lower than the plan's own `risk:` (a plan may ask for more scrutiny,
 * not less; `understated` flags a plan that asks for less).
 */
export function assessPlanRisk(plan: Plan): PlanRisk {
  const tasks = new Map<string, RiskAssessment>();
  const byRule = new Map<string, { rule: RiskRule; taskIds: string[] }>();
  let computed: RiskLevel = "low";
  let highTasks = 0;
  for (const phase of plan.phases) {
    for (const task of phase.tasks) {
      const hits = hitsOf(task, plan);
      const level = levelOf(hits);
      tasks.set(task.id, { level, reasons: hits.map((h) => `${h.rule.reason} (${brief(h.evidence)})`) });
      computed = maxRisk(computed, level);
      if (compareRisk(level, "high") >= 0) highTasks++;
      for (const h of hits) {
        const entry = byRule.get(h.rule.id) ?? { rule: h.rule, taskIds: [] };
        if (!entry.taskIds.includes(task.id)) entry.taskIds.push(task.id);
        byRule.set(h.rule.id, entry);
      }
    }
  }
  const reasons = [...byRule.values()]
    .sort((a, b) => compareRisk(b.rule.level, a.rule.level))
    .map((e) => `${e.rule.reason} (${brief(e.taskIds, 5)})`);
  if (highTasks >= MANY_HIGH_TASKS && compareRisk(computed, "critical") < 0) {
    computed = bump(computed);
    reasons.unshift(`${highTasks} tasks are high risk or above`);
  }
  const declared = plan.risk;
  let level = computed;
  if (declared !== undefined && compareRisk(declared, computed) > 0) {
    level = declared;
    reasons.unshift(`declared ${declared} in the plan`);
  }
  return {
    level,
    reasons,
    tasks,
    ...(declared !== undefined ? { declared } : {}),
    understated: declared !== undefined && compareRisk(declared, computed) < 0,
  };
}
