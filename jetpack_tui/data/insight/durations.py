"""How long will a task take?  The median of what similar tasks took.

"Similar" means the same set of required skills; when fewer than
``min_samples`` finished tasks share it, the median over every finished task
is used, and with no history at all a fixed default.  Each estimate says
which basis it used, so the screen can say how much to trust it.

Samples are the most recent completions (the audit log read backwards from
its end, at most ``recent_events`` rows: a bounded query), timed from the
grant of the final claim (``tasks.claimed_at``) to the completion event.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .source import Reader, by_ids, json_items, number, text

#: Seconds a task is assumed to take when nothing has ever been completed.
DEFAULT_SECONDS = 300.0
#: A completion slower than this is not a duration (a task parked for weeks).
MAX_SAMPLE_SECONDS = 30 * 86400.0


@dataclass(frozen=True)
class Estimate:
    seconds: float
    #: ``"skills"`` (median of tasks with the same skills), ``"overall"``
    #: (median of every finished task) or ``"default"`` (no history).
    basis: str
    samples: int


@dataclass
class DurationModel:
    by_skills: dict[tuple[str, ...], list[float]] = field(default_factory=dict)
    overall: list[float] = field(default_factory=list)
    min_samples: int = 3
    default_seconds: float = DEFAULT_SECONDS
    _medians: dict[tuple[str, ...] | None, float] = field(default_factory=dict, repr=False)

    def estimate(self, skills: tuple[str, ...] | frozenset[str]) -> Estimate:
        key = tuple(sorted(skills))
        samples = self.by_skills.get(key, [])
        if len(samples) >= self.min_samples:
            return Estimate(self._median(key, samples), "skills", len(samples))
        if self.overall:
            return Estimate(self._median(None, self.overall), "overall", len(self.overall))
        return Estimate(self.default_seconds, "default", 0)

    def _median(self, key: tuple[str, ...] | None, samples: list[float]) -> float:
        cached = self._medians.get(key)
        if cached is None:
            cached = self._medians[key] = statistics.median(samples)
        return cached

    def add(self, skills: tuple[str, ...], seconds: float) -> None:
        self.by_skills.setdefault(tuple(sorted(skills)), []).append(seconds)
        self.overall.append(seconds)
        self._medians.clear()


def read_durations(reader: Reader, *, recent_events: int = 50_000, max_samples: int = 2_000,
                   min_samples: int = 3) -> DurationModel:
    """A model from the latest completions in the audit log."""
    model = DurationModel(min_samples=min_samples)
    top = reader.rows("SELECT max(id) FROM task_events")
    last_id = top[0][0] if top and isinstance(top[0][0], int) else None
    if last_id is None:
        return model
    finished: dict[str, float] = {}
    for task_id, at in reader.rows(
            "SELECT task_id, at FROM task_events WHERE id > ? AND to_status = 'completed' ORDER BY id DESC LIMIT ?",
            (last_id - recent_events, max_samples)):
        key, moment = text(task_id), number(at)
        if key is not None and moment is not None:
            finished.setdefault(key, moment)  # newest first: keep the last completion
    for task_id, raw_skills, claimed_at in by_ids(
            reader, "SELECT id, required_skills, claimed_at FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
            list(finished)):
        start, done = number(claimed_at), finished.get(text(task_id) or "")
        if start is None or done is None or not 0 <= done - start <= MAX_SAMPLE_SECONDS:
            continue
        _kind, skills = json_items(raw_skills)
        model.add(tuple(dict.fromkeys(s.lower() for s in skills)), done - start)
    return model
