"""The base every dashboard pane follows (Overview, Tasks, Agents, Mail…).

How data reaches a pane (one way in)::

    wake-up source ─▶ Refresher (UI thread) ─▶ refresh worker (thread)
                                                  │ dl.changes_since(cursor)
                                                  │ pane.fetch(dl, request)  ← reads the DB
                                                  ▼
                              RunDone(result) back to the Refresher (UI thread)
                                                  │ pane.apply(message), every pane in one go
                                                  ▼
                              on_<your_message>(): update widgets, keyed by id

Writing a pane: a pane of rows (a table with a drawer) subclasses
:class:`~jetpack_tui.ui.panes.table_pane.TablePane`, which brings the
header, the filter box, the views, marks, the drawer and write gating; a
pane of its own shape (the Overview's figures, a graph) subclasses
:class:`Pane` directly.  Either way:

1. Subclass; set ``PANE_ID`` (``"agents"``), ``TITLE``,
   ``KEY`` (the number key that shows it) and ``TABLES`` (the change-feed
   tables it shows, e.g. ``frozenset({"agents"})``).  Register the class in
   :data:`jetpack_tui.ui.panes.registry.PANES`.
2. ``view_state()`` (UI thread) returns an immutable snapshot of what the
   operator is looking at (filters, sort, page, selected id).  The worker
   gets it in ``request.view``; never read widget state from ``fetch``.
3. ``fetch(dl, request)`` runs **in the worker thread**: call DataLayer
   methods only (no SQL, no widgets), keep reads small and paged, and
   return the messages for this pane.  ``request.reload`` asks for
   everything; otherwise ``request.changes.ids(table)`` says which rows
   changed — re-read just those (``get_many``).  ``request.detail`` asks for
   the selected row's detail.  ``request.summary`` holds the status counts
   when this run read them.  Tag messages with ``request.generation``.
4. Handle the messages (``on_…``) on the UI thread: drop those whose
   ``generation`` is not :attr:`generation` (the view changed since), then
   update only what changed (``update_cell``/``add_row``/``remove_row``
   keyed by entity id) so cursor and scroll stay put.
5. When the operator changes the view (filter, sort, page) call
   :meth:`view_changed` (bumps the generation and asks for a reload);
   when the selection moves call :meth:`request_detail`.
6. Put DB text in widgets only via :mod:`jetpack_tui.ui.safe_text`.
7. Styles go in ``styles/<pane>.tcss`` (theme variables only); bindings
   carry ``id="<pane>.<action>"`` so the config can remap them.

Hidden panes are not refreshed: they are marked :attr:`stale` and reload
when shown (set ``LIVE_WHEN_HIDDEN = True`` to opt out).

Time travel: a pane that can show the swarm as it was (``TIME_TRAVEL =
True``: the board, the agents, the graph) puts ``self.moment`` in its view
state and reads the past when it is set (``app.time.states``); the
dashboard calls :meth:`moment_changed` when the operator moves in time, and
``t`` (:meth:`action_time_travel`) opens the time bar.  Other panes keep
showing the present, and the time bar says so.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual.containers import Vertical

from jetpack_tui.data.changes import ChangeSet

from ..messages import PaneData, Summary

if TYPE_CHECKING:
    from jetpack_tui.data.protocol import DataLayer
    from jetpack_tui.ui.app import JetpackApp


@dataclass(frozen=True)
class FetchRequest:
    """What the worker hands ``Pane.fetch`` (immutable; safe across threads)."""

    changes: ChangeSet
    view: Any
    generation: int
    now: float
    reload: bool = False
    detail: bool = False
    #: The operator is looking at this pane.
    active: bool = True
    page_size: int = 200
    #: The status counts read in this run (``None``: not read this time).
    summary: Summary | None = None


class Pane(Vertical):
    """A dashboard pane: one widget, one module, its own styles file."""

    PANE_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    KEY: ClassVar[str] = ""
    TABLES: ClassVar[frozenset[str]] = frozenset()
    LIVE_WHEN_HIDDEN: ClassVar[bool] = False
    #: Widget classes inside the pane whose bindings are active with the pane's (the keymap check).
    PARTS: ClassVar[tuple[type, ...]] = ()
    #: Shows the swarm as it was at the time bar's moment (see the module docstring).
    TIME_TRAVEL: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("id", f"pane-{self.PANE_ID}")
        super().__init__(**kwargs)
        self.add_class("pane")
        #: Bumped whenever the view changes; answers for older views are dropped.
        self.generation = 0
        #: Changes arrived while hidden: reload when shown.
        self.stale = True
        #: Set once the first data arrived (the status line says "loading" before).
        self.loaded = False

    # -- the contract -----------------------------------------------------
    def view_state(self) -> Hashable:
        """Immutable snapshot of what the operator looks at (UI thread)."""
        return None

    def wants(self, changes: ChangeSet) -> bool:
        """Does this change set touch what the pane shows?"""
        return changes.reload or bool(changes.tables & self.TABLES)

    def fetch(self, dl: "DataLayer", request: FetchRequest) -> Iterable[PaneData]:
        """Worker thread: read via ``dl`` and return messages for this pane."""
        return ()

    def apply(self, message: PaneData) -> None:
        """UI thread: hand ``message`` to its ``on_<message>`` handler (the
        refresher applies a whole run at once, so nothing is queued)."""
        handler = getattr(self, message.handler_name, None)
        if handler is not None:
            handler(message)

    def tick(self, now: float) -> None:
        """UI thread, every second while shown: re-render ages and countdowns."""

    def selected_key(self) -> str | None:
        """Id of the selected row (for the palette and the drawer)."""
        return None

    def jump_to(self, key: str) -> bool:
        """Select the row with this id (command palette); False if unsupported."""
        return False

    def focus_main(self) -> None:
        """Focus the pane's main widget when it is shown."""
        self.focus()

    def palette_commands(self) -> list[tuple[str, Any, str]]:
        """``(title, callback, help)`` the command palette offers while this pane is shown."""
        return []

    def apply_filter(self, **filters: Any) -> bool:
        """Set the pane's view from keyword filters and reload (UI thread).

        Other panes call it to explain a figure: the Overview's "failed"
        figure shows the Tasks pane with ``apply_filter(quick="failed")``.
        Each pane accepts its own names (see its override); return ``True``
        when the view was set, ``False`` when the pane has no filters or
        does not know a name/value, so the caller can tell the operator
        instead of showing the wrong rows.
        """
        return False

    # -- helpers for subclasses ---------------------------------------------
    @property
    def jetpack(self) -> "JetpackApp":
        return self.app  # type: ignore[return-value]

    def current(self, message: PaneData) -> bool:
        """True when ``message`` was fetched for the current view."""
        return message.generation == self.generation

    def view_changed(self) -> None:
        """The operator changed filters/sort/page: reload with the new view."""
        self.generation += 1
        self.request_reload()

    def request_reload(self) -> None:
        self.jetpack.refresher.request(self.PANE_ID, reload=True)

    def request_detail(self) -> None:
        self.jetpack.refresher.request(self.PANE_ID, detail=True)

    def mark_loaded(self) -> None:
        self.loaded = True
        self.stale = False

    @property
    def quiet(self) -> bool:
        """No background computation of this pane is running or waiting (the
        board's stuck check, the graph): what tests and screenshots wait for
        so a picture does not depend on which thread won."""
        return True

    # -- time travel ------------------------------------------------------------------
    @property
    def moment(self) -> float | None:
        """The past moment this pane shows, ``None`` when it shows the present."""
        return self.jetpack.time.moment if self.TIME_TRAVEL else None

    def display_now(self) -> float:
        """"Now" for ages and countdowns: the moment shown, or the clock."""
        moment = self.moment
        return self.jetpack.clock() if moment is None else moment

    def moment_changed(self) -> None:
        """The operator moved in time (or back to live): read again."""
        if self.TIME_TRAVEL:
            self.view_changed()

    def action_time_travel(self) -> None:
        """``t``: the time bar (move through the audit log; ``esc`` there: live)."""
        self.jetpack.dashboard.open_time_bar()
