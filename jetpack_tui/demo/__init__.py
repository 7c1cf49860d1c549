"""The demo: a static seeded database and a live simulated swarm.

* :func:`~jetpack_tui.demo.seed_data.build_demo_database` writes a fully
  deterministic database (screenshots, snapshot tests, ``jetpack-tui seed``).
* :class:`~jetpack_tui.demo.swarm.Swarm` runs a planner and N agents as
  separate OS processes that use only the public DataLayer API
  (``jetpack-tui demo``).

Never imports Textual: the swarm's processes are plain DataLayer clients.
"""
