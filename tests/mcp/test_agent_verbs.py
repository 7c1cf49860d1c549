"""``jetpack-tui agent VERB``: the same operations from a shell, with documented exit codes,
as a Claude Code PreToolUse hook and as a git pre-commit guard."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

DONE, REFUSED, USAGE, NOTHING = 0, 1, 2, 3


@pytest.fixture
def agent(tmp_path, db):
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env.pop("JETPACK_AGENT", None)

    def run(*args: str, who: str | None = "ada", stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "jetpack_tui", "agent", *args, "--db", db]
        if who:
            command += ["--agent", who]
        done = subprocess.run(command, cwd=cwd or tmp_path, env=env, input=stdin, capture_output=True, text=True,
                              timeout=60)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    return run


def test_claim_start_complete_from_a_shell(agent, library):
    empty = agent("claim")
    assert empty.returncode == NOTHING and "nothing to claim for ada" in empty.stdout
    library.tasks.create("write the parser", id="p-1", required_skills=["python"], priority="high")
    assert agent("claim").returncode == NOTHING  # ada is registered without skills
    claimed = agent("claim", "--skills", "python")
    assert claimed.returncode == DONE
    assert claimed.stdout.strip() == 'claimed p-1 "write the parser" (high, claimed)'
    assert library.agents.get("ada").skills == ["python"]
    assert agent("start").returncode == DONE  # the one task ada holds
    done = agent("complete", "--result", '{"files": 3}', "--json")
    assert done.returncode == DONE
    assert json.loads(done.stdout)["task"]["result"] == {"files": 3}
    assert library.tasks.get("p-1").status == "completed"
    again = agent("complete", "p-1", "--json")
    assert again.returncode == REFUSED
    assert json.loads(again.stdout)["error"]["kind"] == "not held"
    assert "ada does not hold task p-1 (it is completed)" in again.stderr


def test_a_shell_agent_cannot_complete_a_task_that_changed_hands(agent, library):
    library.tasks.create("contested", id="c-1")
    assert agent("claim").returncode == DONE
    library.tasks.reassign("c-1", "bob", by="operator")  # a fresh token for bob
    refused = agent("complete", "c-1")
    assert refused.returncode == REFUSED and "owned by bob" in refused.stderr
    assert agent("complete", "c-1", who="bob").returncode == DONE  # bob presents the current token
    assert library.tasks.get("c-1").claimed_by == "bob"
    gave_up = agent("fail", "--error", "nothing held")
    assert gave_up.returncode == USAGE and "you hold no task" in gave_up.stderr


def test_mail_memory_and_usage_errors(agent, library):
    typo = agent("send", "nobody-xyz", "hello?")
    assert typo.returncode == REFUSED and "nobody-xyz" in typo.stderr  # a typo is not swallowed
    library.agents.register("bob")
    sent = agent("send", "bob", "please review src/app.py", "--type", "review.request")
    assert sent.returncode == DONE and sent.stdout.startswith("sent msg-")
    inbox = agent("inbox", who="bob")
    assert inbox.returncode == DONE
    [line] = inbox.stdout.splitlines()
    assert "[new] ada review.request: please review src/app.py" in line
    assert agent("inbox", who="bob").returncode == NOTHING  # read now
    message_id = line.split()[0]
    assert agent("ack", message_id, who="bob").returncode == DONE
    assert library.messages.deliveries(message_id)[0].acked_at is not None
    assert agent("ack", message_id, who="cy").returncode == REFUSED  # not cy's to ack
    assert agent("send", "*", "freeze", who="bob").stdout.startswith("sent ")
    assert agent("remember", "the parser needs UTF-8 input", "--type", "learning").returncode == DONE
    recalled = agent("recall", "UTF-8 parser", "--json")
    assert json.loads(recalled.stdout)["memories"][0]["content"] == "the parser needs UTF-8 input"
    assert agent("recall", "zebra quantum", "--type", "decision").returncode == NOTHING
    for bad in (agent("claim", who=None), agent("recall", "x", "--k", "0"), agent("send", "bob", "")):
        assert bad.returncode == USAGE and bad.stderr.startswith("jetpack-tui: ") and len(bad.stderr.splitlines()) == 1


def test_check_files_as_a_claude_code_hook_and_a_git_guard(agent, library, tmp_path, db):
    library.agents.register("bob")
    library.reservations.reserve("bob", "src/**/*.py", "edit")
    assert agent("reserve", "docs/*.md").returncode == DONE
    conflict = agent("check-files", "src/app/main.py", "docs/x.md")
    assert conflict.returncode == REFUSED and "src/app/main.py: reserved by bob (edit src/**/*.py)" in conflict.stderr
    assert agent("check-files", "docs/x.md").returncode == DONE  # its own reservation is no conflict

    project = tmp_path / "project"
    project.mkdir()
    payload = {"tool_name": "Edit", "cwd": str(project), "tool_input": {"file_path": str(project / "src/app.py")}}
    blocked = agent("check-files", "--hook", "claude", stdin=json.dumps(payload))
    assert blocked.returncode == 2 and "reserved by bob" in blocked.stderr and "Coordinate" in blocked.stderr
    payload["tool_input"]["file_path"] = str(project / "README.md")
    assert agent("check-files", "--hook", "claude", stdin=json.dumps(payload)).returncode == DONE
    payload["tool_input"]["file_path"] = "/etc/hosts"  # outside the project
    assert agent("check-files", "--hook", "claude", stdin=json.dumps(payload)).returncode == DONE
    assert agent("check-files", "--hook", "claude", stdin="not json").returncode == DONE

    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=a@b", "-c", "user.name=a"]
    subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("x = 1\n")
    subprocess.run(git + ["add", "src/app.py"], cwd=repo, check=True)
    assert agent("install-guard", "--repo", str(repo)).returncode == DONE
    commit = subprocess.run(git + ["commit", "-qm", "touch app"], cwd=repo, capture_output=True, text=True)
    assert commit.returncode != 0 and "src/app.py: reserved by bob" in commit.stderr
    library.reservations.release_for_agent("bob")
    assert subprocess.run(git + ["commit", "-qm", "touch app"], cwd=repo).returncode == 0

    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    refused = agent("install-guard", "--repo", str(repo))
    assert refused.returncode == REFUSED and "exists already" in refused.stderr
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    assert agent("install-guard", "--repo", str(repo), "--force").returncode == DONE


def test_check_files_never_creates_a_database(agent, tmp_path):
    missing = tmp_path / "nowhere" / "jetpack.db"
    done = subprocess.run([sys.executable, "-m", "jetpack_tui", "agent", "check-files", "src/a.py", "--agent", "ada",
                           "--db", str(missing)], capture_output=True, text=True, timeout=60)
    assert done.returncode == DONE and not missing.exists()
