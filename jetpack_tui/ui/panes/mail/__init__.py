"""Mail pane: agent mail as threads, read and answered by the operator."""

from .pane import MailPane

__all__ = ["MailPane"]
