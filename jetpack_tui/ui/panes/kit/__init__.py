"""Parts shared by the Overview, Agents, Mail, Reservations and Memory panes:
a table keyed by entity id, operator actions in worker threads, the compose
dialog, theme-coloured styles and small filter helpers."""
