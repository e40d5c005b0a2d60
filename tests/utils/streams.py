"""Live streams served on loopback for recorder tests: real ffmpeg publishers, real servers.

- HLS: ffmpeg writes a live playlist of 0.5 s segments into a folder that a small threaded HTTP
  server on 127.0.0.1 serves;
- RTMP: Debian's nginx with libnginx-mod-rtmp, started in the foreground with a private
  configuration, and ffmpeg publishing to it.

A "cut" kills the publisher (as a crashed encoder or a dropped uplink would), waits, and starts
it again from where the session has got to meanwhile (``-ss``), so the source's clock keeps
running through the cut like a real session does.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import itertools
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def http_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on loopback; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


_NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        application live {{
            live on;
            record off;
            # on (the default): a player waits for a publisher that has gone; off: dropped.
            idle_streams {idle};
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_rtmp(root: Path, *, idle_streams: bool = True) -> Iterator[str]:
    """Run nginx with the RTMP module on a free loopback port; yields ``rtmp://…/live``."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(root=root, port=port, idle="on" if idle_streams else "off"))
    process = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"nginx did not start: {(root / 'error.log').read_text()}")
            time.sleep(0.05)
        yield f"rtmp://127.0.0.1:{port}/live"
    finally:
        process.terminate()
        process.wait(10)


class Publisher:
    """ffmpeg sending ``source`` in real time (``-re``) to ``target``; it knows what it sent.

    Each run of the publisher is a *stretch*. From ffmpeg's own progress reports a stretch
    knows when its first sample went out on the wall clock (``min(now - media sent)``, the
    same estimate the recorder makes on its side) and how much it sent, so the cuts between
    stretches are known on the wall clock, whatever ffmpeg's start-up time was.
    """

    def __init__(self, source: Path, target: str, kind: str, *, continuous: bool = False) -> None:
        self.source = source
        self.target = target
        self.kind = kind  # "hls": target is the playlist's path; "rtmp": target is a URL
        self.continuous = continuous
        """HLS: a restarted encoder appends to the playlist after a discontinuity tag, as an
        origin with continuous playlists does, instead of the playlist going away."""
        self.stretches: list[_Stretch] = []
        self._clock_zero = time.monotonic()

    def start(self) -> None:
        """Start sending from the source position the clock has reached since the first
        start (a session goes on while its stream is cut)."""
        position = time.monotonic() - self._clock_zero if self.stretches else 0.0
        if not self.stretches:
            self._clock_zero = time.monotonic()
        process = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-nostats",
             "-progress", "pipe:1", "-stats_period", "0.25", "-re",
             "-ss", f"{position:.3f}", "-i", str(self.source), *self._output()],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        stretch = _Stretch(process)
        stretch.reader.start()
        self.stretches.append(stretch)

    def cut(self, seconds: float) -> None:
        """Kill the publisher, keep the stream down for ``seconds``, start it again."""
        self.kill()
        if self.kind == "hls" and not self.continuous:
            # Let players fetch the last segments, then the origin stops listing the stream.
            time.sleep(1.5)
            Path(self.target).unlink(missing_ok=True)
            seconds -= 1.5
        time.sleep(max(0.0, seconds))
        self.start()

    def kill(self) -> None:
        """Stop sending at once (SIGKILL: no trailer, like a crashed encoder)."""
        self.stretches[-1].stop()

    def sent(self) -> list[tuple[float, float]]:
        """(start, end) of each stretch on the wall clock, 0 at the first stretch's start."""
        zero = self.stretches[0].zero
        return [(s.zero - zero, s.zero - zero + s.sent_s) for s in self.stretches]

    def cuts(self) -> list[tuple[float, float]]:
        """(start, end) of each cut on the same clock as :meth:`sent`."""
        sent = self.sent()
        return [(before[1], after[0]) for before, after in itertools.pairwise(sent)]

    def _output(self) -> list[str]:
        if self.kind == "hls":
            folder = Path(self.target).parent
            return [
                "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "0.5",
                "-hls_list_size", "40", "-hls_flags",
                "append_list+discont_start+omit_endlist" if self.continuous
                else "delete_segments+omit_endlist",
                "-hls_segment_filename", str(folder / f"s{len(self.stretches)}-%05d.ts"),
                self.target,
            ]  # fmt: skip
        return ["-c:a", "aac", "-b:a", "64k", "-f", "flv", self.target]


class _Stretch:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.zero = float("inf")
        self.sent_s = 0.0
        self.reader = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            key, _, value = raw.decode().strip().partition("=")
            if key == "out_time_us" and value.isdigit() and int(value) > 0:
                self.sent_s = int(value) / 1e6
                self.zero = min(self.zero, time.monotonic() - self.sent_s)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.reader.join(5)
        assert self.process.stdout is not None
        self.process.stdout.close()


def require_nginx_rtmp() -> None:
    """Raise if nginx or its RTMP module is missing (the README's set-up installs them)."""
    if (
        shutil.which("nginx") is None
        or not Path("/usr/lib/nginx/modules/ngx_rtmp_module.so").exists()
    ):
        raise RuntimeError("nginx with libnginx-mod-rtmp is not installed")
