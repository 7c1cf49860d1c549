"""The one way in for data: wake-up sources, the refresher, one worker run."""

from .refresher import Refresher

__all__ = ["Refresher"]
