"""The panes of the dashboard, in number-key order (1–7).

Adding a pane: write its module (see :mod:`.base`), add the class here.
"""

from __future__ import annotations

from .agents import AgentsPane
from .base import Pane
from .graph import GraphPane
from .mail import MailPane
from .memory import MemoryPane
from .overview import OverviewPane
from .reservations import ReservationsPane
from .tasks import TasksPane

PANES: tuple[type[Pane], ...] = (OverviewPane, TasksPane, AgentsPane, MailPane, ReservationsPane, MemoryPane,
                                 GraphPane)
