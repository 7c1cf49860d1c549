"""The one filter syntax of every pane's ``/`` box: words, and ``@name`` for
an agent (the holder of a task or a reservation, a mail participant)."""

from __future__ import annotations


def split_agent(text: str) -> tuple[str, str]:
    """``"parser @ada"`` → (``"parser"``, ``"ada"``); no ``@name``: agent ``""``."""
    words, agent = [], ""
    for word in text.split():
        if word.startswith("@") and len(word) > 1:
            agent = word[1:]
        else:
            words.append(word)
    return " ".join(words), agent
