"""Parts the panes share: the keyed table and its column layout, the filter
syntax, pending jumps, theme-coloured cell styles, the shutdown guard."""
