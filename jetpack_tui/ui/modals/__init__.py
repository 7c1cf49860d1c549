"""Every modal screen of the dashboard, in one place: confirmations, the
agent picker, the compose dialog, the conflict report, help, and the
read-only views of a memory, a task's context and an agent."""
