"""Running a tool on a generated app and timing what it prints.

A `Run` starts one command in its own process group, reads its merged stdout and stderr line by
line on a thread, and stamps each line with the monotonic clock when it arrived. Edits are
timed from the write() that made them to the line that shows the new value.
"""
import math
import http.client
import os
import signal
import statistics
import subprocess
import threading
import time


class Timeout(Exception):
    pass


class Run:
    def __init__(self, argv: list, cwd: str, env: dict):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = []  # (arrival, text)
        self.cond = threading.Condition()
        self.ended = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            now = time.monotonic()
            with self.cond:
                self.lines.append((now, raw.decode("utf-8", "replace").rstrip("\r\n")))
                self.cond.notify_all()
        with self.cond:
            self.ended = True
            self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.lines)

    def wait_line(self, wanted: str, since: int, timeout: float) -> float:
        """Arrival time of the first line equal to `wanted` at index >= since."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                for i in range(i, len(self.lines)):
                    if self.lines[i][1] == wanted:
                        return self.lines[i][0]
                i = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    tail = " | ".join(text for _, text in self.lines[-5:])
                    why = "its output ended" if self.ended else f"nothing in {timeout:g} s"
                    raise Timeout(f"no line {wanted!r} ({why}; last lines: {tail})")
                self.cond.wait(left)

    def last_line_starting(self, prefix: str):
        with self.cond:
            return next((text for _, text in reversed(self.lines) if text.startswith(prefix)), None)

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def rewrite_in_place(path: str, text: str) -> float:
    """One write() over the old content (no truncation first, so no tool can read an empty
    file). Returns the time just before the write: a stamp taken after it can come late when the
    woken tool takes the core."""
    data = text.encode()
    fd = os.open(path, os.O_WRONLY)
    try:
        written = time.monotonic()
        os.write(fd, data)
        if os.fstat(fd).st_size > len(data):
            os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
    return written


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def group_pids(pgid: int) -> list:
    """Live processes of a process group."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(name))
    return pids


def summary(values: list) -> dict:
    """Median and p95 (nearest rank) of a list of milliseconds."""
    if not values:
        return {}
    s = sorted(values)
    return {"n": len(s), "median": statistics.median(s), "p95": s[max(0, math.ceil(0.95 * len(s)) - 1)],
            "min": s[0], "max": s[-1]}


def poll_body(port: int, path: str, wanted: str, timeout: float) -> float:
    """When GET `path` first answers `wanted` (polled every millisecond, as a user's reload)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            last = conn.getresponse().read().decode("utf-8", "replace")
            if last == wanted:
                return time.monotonic()
        except OSError as e:
            last = f"({e})"
        finally:
            conn.close()
        time.sleep(0.001)
    raise Timeout(f"no answer {wanted!r} from {path} within {timeout:g} s (last: {last!r})")
