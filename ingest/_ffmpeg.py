"""Running an ffmpeg graph built with ffmpeg-python, with its stderr drained in the background.

ffmpeg-python's ``run_async`` cannot start ffmpeg in its own process group; the recorder needs
that, or a terminal's Ctrl-C would kill ffmpeg before the recorder could close the last chunk.
So the graph is built with ffmpeg-python and compiled to arguments, and started here.
"""

from __future__ import annotations

import collections
import subprocess
import threading
from typing import IO, Any

import ffmpeg

_TAIL_LINES = 40


class FfmpegProcess:
    """A running ffmpeg: stdout as a pipe (optional), stderr kept as its last lines."""

    def __init__(self, stream: Any, *, stdout_pipe: bool = False, stdin_pipe: bool = False) -> None:
        arguments = ffmpeg.compile(
            stream.global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        )
        self.popen = subprocess.Popen(
            arguments,
            stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()

    def _read_stderr(self) -> None:
        assert self.popen.stderr is not None
        for raw in self.popen.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._tail.append(line)

    @property
    def stdout(self) -> IO[bytes]:
        """ffmpeg's standard output (only when started with ``stdout_pipe``)."""
        assert self.popen.stdout is not None
        return self.popen.stdout

    def wait(self, timeout_s: float | None = None) -> int:
        """Wait for ffmpeg to exit; returns its exit status once stderr is fully read."""
        code = self.popen.wait(timeout_s)
        self._drain.join(timeout=5)
        for pipe in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if pipe is not None:
                pipe.close()
        return code

    def stderr_lines(self) -> list[str]:
        """The last lines ffmpeg wrote to stderr (all of them, once it has exited)."""
        if self.popen.poll() is not None:
            # An exited ffmpeg's last words may still be in the pipe.
            self._drain.join(timeout=5)
        return list(self._tail)

    def last_error(self) -> str:
        """ffmpeg's last stderr line, for a one-line message (empty if it said nothing)."""
        lines = self.stderr_lines()
        return lines[-1] if lines else ""

    def kill(self) -> None:
        """Kill ffmpeg now (a hard stop; output files may lack their trailer)."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.wait()
