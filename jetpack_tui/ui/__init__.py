"""The Textual dashboard (``jetpack-tui``).  See :mod:`.app` for the wiring,
:mod:`.panes.base` for how a pane gets its data, :mod:`.safe_text` for how
database text is shown."""
