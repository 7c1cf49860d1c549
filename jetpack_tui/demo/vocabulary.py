"""Words of a believable software project, shared by the seed and the swarm.

Only data and pure helpers that take a :class:`random.Random`: every choice
is reproducible from a seed, so a demo database or a swarm run can be
replayed.  Texts are plain (no markup) but some carry characters a careless
renderer would misread (``[bold]``, brackets in paths) on purpose.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SKILLS = ("python", "typescript", "sql", "docs", "devops")

AGENT_NAMES = ("ada", "grace", "linus", "barbara", "ken", "margaret", "dennis", "frances",
               "alan", "radia", "edsger", "katherine", "guido", "sophie", "niklaus", "hedy")

#: Features a planner turns into task trees: (feature, component, main skill, files).
FEATURES = (
    ("OAuth login", "auth", "python", ("src/auth/oauth.py", "src/auth/callback.py", "tests/auth/test_oauth.py")),
    ("CSV import", "importer", "python", ("src/importer/csv_reader.py", "src/importer/**/*.py")),
    ("billing webhooks", "billing", "python", ("src/billing/webhooks.py", "src/billing/stripe_client.py")),
    ("search page", "web", "typescript", ("web/src/pages/Search.tsx", "web/src/api/search.ts")),
    ("settings screen", "web", "typescript", ("web/src/pages/Settings.tsx", "web/src/components/*.tsx")),
    ("audit log", "db", "sql", ("migrations/0042_audit_log.sql", "src/db/audit.py")),
    ("usage reports", "reports", "sql", ("src/reports/usage.sql", "src/reports/export.py")),
    ("rate limiter", "api", "python", ("src/api/ratelimit.py", "src/api/middleware.py")),
    ("deploy pipeline", "infra", "devops", (".github/workflows/deploy.yml", "infra/terraform/*.tf")),
    ("metrics dashboard", "observability", "devops", ("infra/grafana/dashboards/api.json", "src/metrics.py")),
    ("onboarding guide", "docs", "docs", ("docs/onboarding.md", "docs/[draft] setup.md")),
    ("GraphQL gateway", "gateway", "typescript", ("gateway/src/schema.ts", "gateway/src/resolvers/*.ts")),
)

#: Step templates of a feature: (title template, skill or None for the
#: feature's own skill, indexes of earlier steps this one depends on).
STEPS = (
    ("Design the {feature} data model", "sql", ()),
    ("Implement {feature} backend", None, (0,)),
    ("Write tests for {feature}", None, (1,)),
    ("Add {feature} UI", "typescript", (1,)),
    ("Document {feature}", "docs", (1, 3)),
    ("Set up {feature} feature flag and rollout", "devops", (2,)),
)

SINGLE_TASKS = (
    ("Implement OAuth callback", "python"), ("Write tests for parser", "python"),
    ("Fix flaky test in test_scheduler.py", "python"), ("Upgrade Django to 5.1", "python"),
    ("Type-check the importer with mypy --strict", "python"), ("Port date utils to TypeScript", "typescript"),
    ("Fix hydration warning on /search", "typescript"), ("Add index on orders(customer_id, created_at)", "sql"),
    ("Backfill users.locale", "sql"), ("Write migration 0043: drop legacy_sessions", "sql"),
    ("Write runbook for failed deploys", "docs"), ("Update README quick start", "docs"),
    ("Rotate staging TLS certificates", "devops"), ("Cache pip wheels in CI", "devops"),
    ("Pin base image to python:3.11-slim", "devops"), ("Render [bold]markup[/bold] literally in logs", "python"),
)

ERRORS = (
    "pytest: 3 failed, 41 passed (tests/auth/test_oauth.py::test_state_mismatch)",
    "tsc: src/api/search.ts(42,7): error TS2345: Argument of type 'string | undefined' is not assignable",
    "sqlite3.OperationalError: no such column: orders.customer_id",
    "terraform plan: Error: Provider produced inconsistent final plan",
    "ImportError: cannot import name 'parse_qs' from 'urllib' (circular import?)",
    "timeout: integration suite exceeded 600 s",
    "mkdocs: WARNING - Doc file 'onboarding.md' contains a link to 'setup.md', not found",
    "eslint: 12 problems (12 errors, 0 warnings) in web/src/pages/Settings.tsx",
)

#: (memory type, text template) pairs; {feature}/{component} are filled in.
LESSONS = (
    ("decision", "Use PKCE for the {feature} flow; the implicit grant is deprecated."),
    ("fact", "The {component} tests need REDIS_URL set, else they skip silently."),
    ("pattern", "Wrap {component} database writes in one transaction and retry on SQLITE_BUSY."),
    ("error", "{feature}: the staging build fails when NODE_ENV is unset; export it in CI."),
    ("learning", "Run migrations for {component} before the backfill, never in the same deploy."),
    ("codebase", "{component} configuration lives in settings/{component}.toml, loaded at start-up."),
    ("summary", "{feature} is done: backend, tests and docs merged; rollout behind a flag."),
    ("fact", "The {component} API returns 429 with Retry-After in seconds, not milliseconds."),
)

HELP_REQUESTS = (
    "Can someone who knows {skill} review my approach for {title}?",
    "Blocked on {title}: the fixture database is missing a table. Ideas?",
    "Does anyone hold a lock on {path}? I need to edit it for {title}.",
)

HELP_REPLIES = (
    "Looked at it: split the migration in two and it passes.",
    "I released my reservation on that path, go ahead.",
    "Try running with --no-cache; the stale wheel bit me too.",
)


@dataclass(frozen=True)
class PlannedTask:
    """One task of a plan: ``deps`` and ``parent`` are indexes into the plan."""

    title: str
    skills: tuple[str, ...]
    priority: str
    deps: tuple[int, ...] = ()
    parent: int | None = None
    description: str | None = None
    files: tuple[str, ...] = ()


def plan_feature(rng: random.Random, *, round_no: int = 0) -> list[PlannedTask]:
    """A task tree: one parent "Ship …" task that depends on every step, and
    three to six steps with dependencies among them (index 0 is the parent)."""
    feature, component, skill, files = rng.choice(FEATURES)
    name = feature if round_no == 0 else f"{feature} v{round_no + 1}"
    count = rng.randint(3, len(STEPS))
    steps = STEPS[:count]
    priority = rng.choices(("critical", "high", "medium", "low"), weights=(1, 3, 5, 2))[0]
    plan = [PlannedTask(title=f"Ship {name}", skills=(), priority=priority, deps=tuple(range(1, count + 1)),
                        description=f"Parent of the {name} work in {component}; done when every step is.")]
    for template, step_skill, deps in steps:
        own = step_skill or skill
        plan.append(PlannedTask(
            title=template.format(feature=name), skills=(own,), priority=priority,
            deps=tuple(d + 1 for d in deps), parent=0, files=(rng.choice(files),),
            description=f"{component}: {template.format(feature=name).lower()}.",
        ))
    return plan


def lesson(rng: random.Random, title: str) -> tuple[str, str]:
    """``(memory type, content)`` an agent might remember after ``title``."""
    feature, component, _skill, _files = rng.choice(FEATURES)
    kind, template = rng.choice(LESSONS)
    return kind, template.format(feature=feature, component=component) + f" (from: {title})"


def files_for(rng: random.Random, title: str) -> list[str]:
    """One to three paths a task about ``title`` would touch."""
    for feature, _component, _skill, files in FEATURES:
        if feature.lower() in title.lower():
            return rng.sample(list(files), k=rng.randint(1, len(files)))
    pool = [path for *_rest, files in FEATURES for path in files]
    return rng.sample(pool, k=rng.randint(1, 2))


def skills_for(index: int, rng: random.Random) -> list[str]:
    """Skills of the ``index``-th agent: round robin (so every skill is
    covered by a few agents) plus one or two random extras."""
    own = {SKILLS[index % len(SKILLS)], SKILLS[(index + 2) % len(SKILLS)]}
    own.update(rng.sample(SKILLS, k=rng.randint(0, 1)))
    return sorted(own)
