"""Three replica "hosts" (network namespaces joined to the primary's by veth
links) -- the primary is reachable only from inside them.  Claims stay
exactly-once across hosts; one host's link goes down and comes back.

Needs root and ``ip netns`` (CI runs as root); anything missing FAILS.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from modes import require_tursodb

AGENT = str(Path(__file__).with_name("netns_agent.py"))
PORT = 7777
HOSTS = 3


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def network():
    """Namespace ``S`` (the primary) with one veth link per replica
    namespace ``R<i>``; link i is 10.77.i.1 (S side) -- 10.77.i.2."""
    if os.geteuid() != 0:
        pytest.fail("the network-namespace test needs root (ip netns)", pytrace=False)
    tag = f"jp{os.getpid() % 100000}"
    server, hosts = f"{tag}s", [f"{tag}r{i}" for i in range(1, HOSTS + 1)]
    made: list[str] = []
    try:
        for ns in (server, *hosts):
            ip("netns", "add", ns)
            made.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
        for i, ns in enumerate(hosts, 1):
            ip("link", "add", f"{tag}h{i}", "type", "veth", "peer", "name", f"{tag}p{i}")
            ip("link", "set", f"{tag}h{i}", "netns", server)
            ip("link", "set", f"{tag}p{i}", "netns", ns)
            ip("-n", server, "addr", "add", f"10.77.{i}.1/24", "dev", f"{tag}h{i}")
            ip("-n", server, "link", "set", f"{tag}h{i}", "up")
            ip("-n", ns, "addr", "add", f"10.77.{i}.2/24", "dev", f"{tag}p{i}")
            ip("-n", ns, "link", "set", f"{tag}p{i}", "up")
        yield {"server": server, "hosts": hosts, "link": lambda i, state: ip(
            "-n", server, "link", "set", f"{tag}h{i}", state)}
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


class Host:
    def __init__(self, ns: str) -> None:
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, AGENT],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(self, op: str, **args) -> None:
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()

    def answer(self, timeout: float = 60):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, "the agent did not answer"
        return json.loads(self.proc.stdout.readline())

    def call(self, op: str, **args):
        self.send(op, **args)
        reply = self.answer()
        assert reply["ok"], reply
        return reply["result"]


def test_three_hosts_claims_and_a_link_that_goes_down(network, tmp_path):
    exe = require_tursodb()
    server = subprocess.Popen(["ip", "netns", "exec", network["server"], exe, str(tmp_path / "primary.db"),
                               "--sync-server", f"0.0.0.0:{PORT}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hosts = [Host(ns) for ns in network["hosts"]]
    try:
        for i, host in enumerate(hosts, 1):  # the three start in parallel
            host.send("open", url=f"http://10.77.{i}.1:{PORT}", replica=str(tmp_path / f"h{i}" / "local.db"),
                      agent=f"a{i}", interval=0.2, timeout=0.5)
        assert all(host.answer()["ok"] for host in hosts)
        for host in hosts:
            host.call("register", skills=["python"])
        a1, a2, a3 = hosts

        committed = a1.call("create", ids=[f"t{n:02d}" for n in range(30)])
        seen = [host.call("wait_task", task_id="t29", timeout=10) for host in (a2, a3)]
        assert None not in seen
        print(f"cross-host change-to-visible: {[round((s - committed) * 1000) for s in seen]} ms")

        for host in hosts:  # all three claim at once
            host.send("claim_all")
        replies = [host.answer() for host in hosts]
        assert all(r["ok"] for r in replies), replies
        granted = [task for r in replies for task, _token in r["result"]]
        assert sorted(granted) == [f"t{n:02d}" for n in range(30)]
        assert a1.call("audit") == {"tasks": 30, "max_claims": 1}

        network["link"](3, "down")
        report = a3.call("sync")
        assert report["error"] and report["stale_since"]
        a3.send("claim")
        refused = a3.answer()
        assert not refused["ok"] and refused["error"] == "PrimaryUnavailableError"
        assert a3.call("heartbeat", status="cut-off") == "cut-off"  # queued
        assert a3.call("count") == 30  # reads go on
        assert a3.call("status")["queued"] == 1 and not a3.call("status")["online"]
        a1.call("create", ids=["away"])
        assert a2.call("wait_task", task_id="away", timeout=10) is not None
        assert a3.call("wait_task", task_id="away", timeout=0.5) is None

        network["link"](3, "up")
        assert a3.call("wait_task", task_id="away", timeout=15) is not None  # the loop recovers
        status = a3.call("status")
        assert status["online"] and status["queued"] == 0 and status["stale_since"] is None
        a2.call("sync")
        assert a2.call("agent_status", agent="a3") == "cut-off"  # the queued heartbeat arrived
        for host in hosts:
            host.call("close")
    finally:
        for host in hosts:
            host.proc.kill()
            host.proc.wait(10)
        server.terminate()
        server.wait(10)
