"""jetpack-tui: the operator's cockpit for a swarm of AI coding agents."""

__version__ = "0.1.0"
