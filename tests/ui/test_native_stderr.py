"""Native stderr noise goes to the log, Python's stderr still reaches the terminal."""

from __future__ import annotations

import subprocess
import sys


def test_fd2_goes_to_log_and_dunder_stderr_to_terminal(tmp_path):
    log = tmp_path / "logs" / "native.log"
    code = (
        "import os, sys\n"
        "from jetpack_tui.ui.native_stderr import native_stderr_to\n"
        f"with native_stderr_to({str(log)!r}):\n"
        "    os.write(2, b'native panic text\\n')\n"
        "    sys.__stderr__.write('drawn by textual\\n'); sys.__stderr__.flush()\n"
        "os.write(2, b'after\\n')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert log.read_text() == "native panic text\n"
    assert result.stderr == "drawn by textual\nafter\n"
