"""The agents' MCP front door: ``jetpack-tui mcp --agent ID`` serves one agent over stdio.

Built on the official MCP Python SDK (``mcp`` 2.x, ``MCPServer``); the
operations themselves live in :mod:`jetpack_tui.agentkit`, shared with the
``jetpack-tui agent`` shell verbs.
"""
