"""Runs one benchmark process and measures its peak memory.

The peak RSS comes from GNU time (/usr/bin/time %M), not from os.wait4 on
our own child: Linux carries a process's RSS at exec into the new program's
ru_maxrss, so a child forked from the driver reports at least the driver's
own RSS (measured: /bin/true reported 127 MB from a driver holding resnet18).
GNU time is a small C program; the runner it forks starts from its ~1 MB,
so %M is the runner's own peak within about 1 MB.

The runner's stdout and stderr go to files rather than pipes: a lenet5 run
prints a JSON line of up to 100000 latencies, and nothing must block it.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, List, Optional

GNU_TIME = "/usr/bin/time"
_MARKER = "convoy-bench-maxrss-kb="


@dataclass
class Outcome:
    """What one process left: its JSON line, why it failed, what it cost."""
    json: Optional[Dict]
    error: Optional[str]      # None when it exited 0 with a JSON line without "error"
    maxrss_kb: Optional[int]
    wall_s: float


def check_gnu_time() -> None:
    """Raises with the fix when GNU time is missing."""
    if not shutil.which(GNU_TIME):
        raise RuntimeError(f"{GNU_TIME} (GNU time) is missing; install it: apt-get install -y time")


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as file:
            return file.read()
    except FileNotFoundError:
        return ""


def run(command: List[str], work_dir: str, timeout: float) -> Outcome:
    """Runs `command` to its end (killing it after `timeout` seconds).

    Expects one JSON line on stdout (the last line starting with "{" counts).
    """
    out_path, err_path, rss_path = (os.path.join(work_dir, name)
                                    for name in ("stdout", "stderr", "maxrss"))
    start = time.monotonic()
    try:
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            # A session of its own, so a timeout kills the runner as well as time.
            proc = subprocess.Popen(
                [GNU_TIME, "-o", rss_path, "-f", _MARKER + "%M", *command],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as error:
        return Outcome(None, f"cannot start {GNU_TIME}: {error}", None, 0.0)
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    wall_s = time.monotonic() - start

    rss = re.search(_MARKER + r"(\d+)", _read(rss_path))
    outcome = Outcome(None, None, int(rss.group(1)) if rss else None, wall_s)
    lines = [line for line in _read(out_path).splitlines() if line.startswith("{")]
    if lines:
        try:
            outcome.json = json.loads(lines[-1])
        except json.JSONDecodeError as error:
            outcome.error = f"unparsable JSON on stdout: {error}"
    stderr_tail = " ".join(_read(err_path).split()[-40:])
    if timed_out:
        outcome.error = f"killed after {timeout:.0f} s"
    elif outcome.json and outcome.json.get("error"):
        outcome.error = str(outcome.json["error"])
    elif proc.returncode != 0:
        outcome.error = f"exit code {proc.returncode}: {stderr_tail}"
    elif outcome.json is None and outcome.error is None:
        outcome.error = f"no JSON on stdout: {stderr_tail}"
    return outcome
