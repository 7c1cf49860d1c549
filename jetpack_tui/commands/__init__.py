"""Subcommands of ``jetpack-tui``: one module each, discovered by :mod:`jetpack_tui.cli`."""
