"""Every task's status and owner at one point of the audit log, column-wise.

Replaying the audit log is a fold: each event sets its task's status and
owner.  Python objects per task would cost ~150 bytes and a dict each; a
:class:`TaskTable` keeps one byte (status code) and one 4-byte owner code
per task, so a checkpoint is ~5 bytes per task and a copy is a memcpy.

Tasks are numbered in the order they first appear in the log, which is the
same for every replay of it, so all tables of one log share one append-only
:class:`Catalog` (ids, status and owner names, and which tasks were first
seen mid-life).  A table at an earlier point of the log simply uses a
prefix of it.
"""

from __future__ import annotations

import json
import zlib
from array import array
from dataclasses import dataclass, field

from ...models import TASK_STATUSES

#: Status code of a task whose status is not known.
NO_STATUS = 255
NO_OWNER = -1
FORMAT = 1


@dataclass
class Incomplete:
    """A task whose first event in the log is not its creation: its history
    before that event is not recorded (the log was pruned, or the task
    predates it).  The event's ``from`` side says what it was just before."""

    first_event_id: int
    first_at: float
    from_status: str | None
    from_owner: str | None


@dataclass
class Catalog:
    """Names shared by every table of one log; only ever appended to."""

    ids: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=lambda: list(TASK_STATUSES))
    owners: list[str] = field(default_factory=list)
    incomplete: dict[int, Incomplete] = field(default_factory=dict)
    status_codes: dict[str, int] = field(default_factory=dict, repr=False)
    owner_codes: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.status_codes = {name: i for i, name in enumerate(self.statuses)}
        self.owner_codes = {name: i for i, name in enumerate(self.owners)}

    def status_code(self, status: str | None) -> int:
        if status is None:
            return NO_STATUS
        code = self.status_codes.get(status)
        if code is None:
            if len(self.statuses) >= NO_STATUS:
                return NO_STATUS  # past 249 invented statuses, the rest read as unknown
            code = self.status_codes[status] = len(self.statuses)
            self.statuses.append(status)
        return code

    def owner_code(self, owner: str | None) -> int:
        if owner is None:
            return NO_OWNER
        code = self.owner_codes.get(owner)
        if code is None:
            code = self.owner_codes[owner] = len(self.owners)
            self.owners.append(owner)
        return code


@dataclass
class TaskTable:
    """The tasks ``catalog.ids[:size]``, their status and owner after event ``event_id``."""

    catalog: Catalog
    status: bytearray = field(default_factory=bytearray)
    owner: array = field(default_factory=lambda: array("i"))
    event_id: int | None = None
    event_at: float | None = None

    def __len__(self) -> int:
        return len(self.status)

    def slot(self, task_id: str) -> tuple[int, bool]:
        """The index of ``task_id``, adding it with no status yet; ``(i, new)``.

        A replay meets tasks in catalog order, so a new task is always the
        next one of the catalog (or a new entry of it)."""
        size = len(self.status)
        i = self.catalog.index.get(task_id)
        if i is not None and i < size:
            return i, False
        if i is None:
            i = self.catalog.index[task_id] = len(self.catalog.ids)
            self.catalog.ids.append(task_id)
        if i != size:
            raise ValueError(f"task {task_id!r} met out of catalog order ({i} != {size}): the log changed")
        self.status.append(NO_STATUS)
        self.owner.append(NO_OWNER)
        return i, True

    def find(self, task_id: str) -> int | None:
        i = self.catalog.index.get(task_id)
        return i if i is not None and i < len(self.status) else None

    def status_of(self, i: int) -> str | None:
        code = self.status[i]
        return None if code == NO_STATUS else self.catalog.statuses[code]

    def owner_of(self, i: int) -> str | None:
        code = self.owner[i]
        return None if code == NO_OWNER else self.catalog.owners[code]

    def copy(self) -> "TaskTable":
        return TaskTable(self.catalog, bytearray(self.status), array("i", self.owner), self.event_id, self.event_at)

    def counts(self) -> dict[str, int]:
        """``{status: tasks}``; tasks with no known status under ``"unknown"``."""
        result: dict[str, int] = {}
        for code, name in enumerate(self.catalog.statuses):
            n = self.status.count(code)
            if n:
                result[name] = n
        unknown = self.status.count(NO_STATUS)
        if unknown:
            result["unknown"] = unknown
        return result


@dataclass(frozen=True)
class Marks:
    """How much of the catalog a checkpoint knows (the next one's segment
    starts there)."""

    tasks: int = 0
    statuses: int = len(TASK_STATUSES)
    owners: int = 0


def _pack(header: dict, payload: bytes) -> bytes:
    head = json.dumps(header, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return zlib.compress(len(head).to_bytes(4, "little") + head + payload, 6)


def _unpack(blob: bytes) -> tuple[dict, bytes]:
    body = zlib.decompress(blob)
    size = int.from_bytes(body[:4], "little")
    return json.loads(body[4:4 + size].decode("utf-8", "surrogatepass")), body[4 + size:]


def marks_of(table: TaskTable) -> Marks:
    catalog = table.catalog
    return Marks(len(table), len(catalog.statuses), len(catalog.owners))


def encode(table: TaskTable, since: Marks) -> tuple[bytes, bytes]:
    """``(segment, state)`` blobs of a checkpoint of ``table``.

    The segment holds the catalog entries the previous checkpoint (whose
    marks are ``since``) does not; the state every task's status and owner.
    Ids never contain NUL (libSQL cuts text there), so NUL separates them.
    Names are only ever appended, so a checkpoint written by another
    process for the same log has the same segments."""
    catalog, now = table.catalog, marks_of(table)
    incomplete = [[i, c.first_event_id, c.first_at, c.from_status, c.from_owner]
                  for i, c in sorted(catalog.incomplete.items()) if since.tasks <= i < now.tasks]
    segment = _pack({"format": FORMAT, "first": since.tasks, "statuses": catalog.statuses[since.statuses:now.statuses],
                     "owners": catalog.owners[since.owners:now.owners], "incomplete": incomplete},
                    "\x00".join(catalog.ids[since.tasks:now.tasks]).encode("utf-8", "surrogatepass"))
    header = {"format": FORMAT, "tasks": now.tasks, "statuses": now.statuses, "owners": now.owners,
              "event_id": table.event_id, "event_at": table.event_at}
    return segment, _pack(header, bytes(table.status) + table.owner.tobytes())


def extend_catalog(catalog: Catalog, segment: bytes) -> None:
    """Append a checkpoint's segment; ``ValueError`` when it does not follow."""
    head, payload = _unpack(segment)
    if head.get("format") != FORMAT or head.get("first") != len(catalog.ids):
        raise ValueError(f"checkpoint segment starts at task {head.get('first')}, expected {len(catalog.ids)}")
    text = payload.decode("utf-8", "surrogatepass")
    for task_id in text.split("\x00") if text else ():
        catalog.index[task_id] = len(catalog.ids)
        catalog.ids.append(task_id)
    for name in head["statuses"]:
        catalog.status_code(name)
    for name in head["owners"]:
        catalog.owner_code(name)
    for i, first_id, first_at, status, owner in head["incomplete"]:
        catalog.incomplete[i] = Incomplete(first_id, first_at, status, owner)


def decode(catalog: Catalog, state: bytes) -> TaskTable:
    """The table of a checkpoint whose segments the catalog already holds."""
    header, payload = _unpack(state)
    count = header["tasks"]
    if (header.get("format") != FORMAT or count > len(catalog.ids) or header["owners"] > len(catalog.owners)
            or len(payload) != count * 5):
        raise ValueError(f"checkpoint of {count} tasks does not fit the catalog ({len(catalog.ids)} ids)")
    owner = array("i")
    owner.frombytes(payload[count:])
    return TaskTable(catalog, bytearray(payload[:count]), owner, header["event_id"], header["event_at"])
