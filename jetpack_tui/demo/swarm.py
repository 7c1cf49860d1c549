"""Run the demo swarm: a planner and N agents as separate OS processes.

:class:`Swarm` starts ``python -m jetpack_tui.demo.planner`` and one
``python -m jetpack_tui.demo.agent`` per agent, each in its own process
group (a Ctrl+C in the terminal reaches only this process, which then stops
them in order).  A supervisor thread reaps children and, when an agent died
(on purpose, or crashed), starts a replacement (``ada-2`` after ``ada-1``)
so the swarm keeps its size.  An agent that stopped cleanly or was
deregistered by an operator (exit :data:`~.pace.DEREGISTERED`) is not
replaced: its slot stays empty, as the operator asked.  The planner is
always restarted (the queue must be fed).

Before any child starts, the swarm stores the demo's liveness rule in the
database (``dl.settings``): agents, dashboard and ``status`` then agree on
who is dead.

Nothing is left running: :meth:`Swarm.stop` sends SIGTERM to every child,
waits, then SIGKILLs the stragglers and reaps them all; it runs from
``with Swarm(...)``, from ``atexit``, and from the demo command's signal
handlers.  If this process is killed outright, each child notices its parent
is gone (:class:`~.pace.Lifeline`) within a tenth of a second and exits.
Every PID ever started is kept in :attr:`Swarm.pids` (and written to
``pid_file`` when given) so tests can prove they are all gone.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.settings import LIVENESS

from .pace import DEREGISTERED, DIED, Pace
from .vocabulary import AGENT_NAMES, skills_for

#: The agent program for each ``SwarmConfig.via``; both take the same command line.
AGENT_MODULES = {"library": "jetpack_tui.demo.agent", "mcp": "jetpack_tui.demo.mcp_agent"}


@dataclass
class SwarmConfig:
    db: str
    agents: int = 8
    seed: int = 0
    speed: float = 1.0
    #: Chance per task that an agent dies while holding it.
    death_rate: float = 0.02
    #: The first agent dies on the task after this many completed ones
    #: (``None``: only by chance), so a demo shows a death early.
    first_death_after: int | None = 2
    fail_rate: float = 0.12
    backlog: int | None = None
    respawn: bool = True
    #: Children's stderr is appended here (default: ``<db>.swarm.log``).
    log_path: str | None = None
    pid_file: str | None = None
    python: str = sys.executable
    #: How agents reach the store: ``library`` (direct DataLayer calls) or
    #: ``mcp`` (each agent an MCP client of its own ``jetpack-tui mcp`` server).
    via: str = "library"

    def __post_init__(self) -> None:
        if self.via not in AGENT_MODULES:
            raise ValueError(f"via must be one of {', '.join(AGENT_MODULES)}, not {self.via!r}")
        if not isinstance(self.agents, int) or not 1 <= self.agents <= len(AGENT_NAMES) * 4:
            raise ValueError(f"agents must be between 1 and {len(AGENT_NAMES) * 4}, not {self.agents!r}")
        Pace(self.speed)  # validates speed


@dataclass
class Child:
    role: str  # "planner" or the agent id
    slot: int  # agent slot (-1 for the planner)
    process: subprocess.Popen
    exit_code: int | None = None


@dataclass
class SwarmStats:
    started: int = 0
    exited: int = 0
    deaths: int = 0
    crashes: int = 0
    deregistered: int = 0
    respawns: int = 0
    exits: dict[str, int] = field(default_factory=dict)


class Swarm:
    def __init__(self, config: SwarmConfig) -> None:
        self.config = config
        self.pace = Pace(config.speed)
        self.stats = SwarmStats()
        self.pids: list[int] = []
        self._children: list[Child] = []
        self._generation: dict[int, int] = {}
        self._pending_respawns: list[tuple[float, int]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._log = None
        self._rng = random.Random(f"{config.seed}:swarm")
        self._skills = [skills_for(i, self._rng) for i in range(config.agents)]

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> "Swarm":
        if self._supervisor is not None:
            raise RuntimeError("the swarm is already running")
        with create_local_data_layer(self.config.db) as dl:  # schema ready before any child opens it
            dl.settings.set(LIVENESS, self.pace.liveness)
        log_path = self.config.log_path or self.config.db + ".swarm.log"
        self._log = open(log_path, "ab")
        atexit.register(self.stop)
        try:
            self._spawn_planner()
            for slot in range(self.config.agents):
                self._spawn_agent(slot)
        except BaseException:
            self.stop()
            raise
        self._supervisor = threading.Thread(target=self._supervise, name="swarm-supervisor", daemon=True)
        self._supervisor.start()
        return self

    def __enter__(self) -> "Swarm":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._supervisor is not None and not self._stopping.is_set()

    def live_pids(self) -> list[int]:
        with self._lock:
            return [c.process.pid for c in self._children if c.process.poll() is None]

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every child: SIGTERM, wait up to ``timeout``, SIGKILL, reap."""
        self._stopping.set()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout=2.0)
        with self._lock:
            children = list(self._children)
        for child in children:
            if child.process.poll() is None:
                _signal(child.process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(child.process, signal.SIGKILL)
                child.process.wait()
            self._record_exit(child)
        if self._log is not None:
            self._log.close()
            self._log = None
        atexit.unregister(self.stop)

    # -- children -------------------------------------------------------------------
    def _command(self, module: str, *args: str) -> list[str]:
        return [self.config.python, "-m", module, "--db", self.config.db, "--seed", str(self.config.seed),
                "--speed", repr(float(self.config.speed)), "--parent-pid", str(os.getpid()), *args]

    def _launch(self, role: str, slot: int, command: list[str]) -> None:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=self._log, process_group=0, close_fds=True)
        with self._lock:
            self._children.append(Child(role, slot, process))
            self.pids.append(process.pid)
            self.stats.started += 1
        self._write_pid_file()

    def _spawn_planner(self) -> None:
        backlog = self.config.backlog or max(8, self.config.agents * 2 + 4)
        self._launch("planner", -1, self._command("jetpack_tui.demo.planner", "--backlog", str(backlog)))

    def _spawn_agent(self, slot: int) -> None:
        generation = self._generation.get(slot, 0) + 1
        self._generation[slot] = generation
        name = AGENT_NAMES[slot % len(AGENT_NAMES)] + ("" if slot < len(AGENT_NAMES) else str(slot))
        agent_id = f"{name}-{generation}"
        extra = ["--id", agent_id, "--skills", ",".join(self._skills[slot]),
                 "--death-rate", repr(self.config.death_rate), "--fail-rate", repr(self.config.fail_rate)]
        if slot == 0 and generation == 1 and self.config.first_death_after is not None:
            extra += ["--die-after", str(self.config.first_death_after)]
        self._launch(agent_id, slot, self._command(AGENT_MODULES[self.config.via], *extra))

    def _record_exit(self, child: Child) -> None:
        code = child.process.poll()
        if code is None or child.exit_code is not None:
            return
        with self._lock:
            child.exit_code = code
            self.stats.exited += 1
            self.stats.exits[child.role] = code
            if code == DIED:
                self.stats.deaths += 1
            elif code == DEREGISTERED:
                self.stats.deregistered += 1
            elif code != 0 and not self._stopping.is_set():
                self.stats.crashes += 1

    def _supervise(self) -> None:
        while not self._stopping.wait(0.1):
            with self._lock:
                children = list(self._children)
            for child in children:
                if child.exit_code is None and child.process.poll() is not None:
                    self._record_exit(child)
                    if self._stopping.is_set():
                        return
                    if child.slot < 0 or (self.config.respawn and child.exit_code not in (0, DEREGISTERED)):
                        self._pending_respawns.append((time.monotonic() + self.pace.respawn_after, child.slot))
            due = [(t, s) for t, s in self._pending_respawns if t <= time.monotonic()]
            for item in due:
                self._pending_respawns.remove(item)
                if not self._stopping.is_set():
                    self.stats.respawns += 1
                    self._spawn_planner() if item[1] < 0 else self._spawn_agent(item[1])

    def _write_pid_file(self) -> None:
        if not self.config.pid_file:
            return
        temporary = self.config.pid_file + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"runner": os.getpid(), "children": list(self.pids)}, handle)
        os.replace(temporary, self.config.pid_file)


def _signal(process: subprocess.Popen, sig: int) -> None:
    try:
        process.send_signal(sig)
    except (ProcessLookupError, OSError):
        pass


def pid_gone(pid: int) -> bool:
    """``True`` when no process runs under this PID any more.

    ``os.kill(pid, 0)`` raising ``ProcessLookupError`` says so; a zombie (it
    has exited, only its status waits for a parent that is not us, e.g.
    after the runner was killed and init has not reaped it yet) counts as
    gone too.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
