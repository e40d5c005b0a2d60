"""The streaming caption pass of a session being recorded (issue 18).

The recorder hands its live audio (``ingest.tap``, a block every fifth of a second) to a
:class:`LiveCaptioner`, which feeds it to ``transcribe.StreamingDecoder`` on its own thread and
writes what it commits, and the tentative tail, to the session's ``CaptionLog`` (read by the
API's event stream). When decoding is slower than the audio, everything that arrived meanwhile
goes into the next step at once: captions fall behind for a step but never queue up.

The chunked pass (``workers.live``) stays the source of the draft minutes. On a CPU it must
not take the cores the captions need, so it asks :meth:`LiveCaptioner.quiet` before each chunk
and waits for a pause in the sitting (no decode for ``quiet_s``) or for the end of the
recording, and catches up then.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from ingest import LiveAudio
from kuvend.live_captions import CaptionLog, LiveWord
from transcribe import CaptionUpdate, CaptionWord, StreamingDecoder, StreamOptions, WhisperEngine

log = logging.getLogger(__name__)

#: The chunked pass waits for this long without a caption decode before it takes the CPU.
QUIET_S = 5.0

#: When no audio has come for this long (the stream ended or stalled; a live stream's pauses
#: still bring silent audio, every fifth of a second) the tentative tail is committed as it
#: stands: no later audio will settle it, and a viewer should not wait for the reconnect.
STALL_S = 1.0

#: Receives each update with the monotonic time it was written (benches measure with it).
UpdateListener = Callable[[CaptionUpdate, float], None]


class LiveCaptioner:
    """Streaming captions of one live stream, decoded on a background thread."""

    def __init__(
        self,
        load: Callable[[], WhisperEngine],
        options: StreamOptions,
        log_to: CaptionLog | None,
        *,
        listener: UpdateListener | None = None,
    ) -> None:
        """``load`` gives the model; it is called on the captions' thread, so that loading
        it never holds up the recorder that feeds them."""
        self._load = load
        self._options = options
        self._log = log_to
        self._listener = listener
        self._queue: queue.Queue[LiveAudio | None] = queue.Queue()
        self._last_decode = time.monotonic()
        self._finished = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="live-captions", daemon=True)
        self._thread.start()

    def feed(self, audio: LiveAudio) -> None:
        """Queue live audio (the recorder's ``on_audio``)."""
        self._queue.put(audio)

    def quiet(self, seconds: float = QUIET_S) -> bool:
        """True when the captions have not needed the CPU for ``seconds``, or are finished."""
        return self._finished.is_set() or time.monotonic() - self._last_decode >= seconds

    def finish(self) -> None:
        """Decode what is left, commit the tentative tail, stop the thread; errors are logged
        (captions are a courtesy: they never fail the recording)."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            log.error("live captions stopped early: %s", self._error)

    def _work(self) -> None:
        try:
            self._decoder = StreamingDecoder(self._load(), self._options)
            while (batch := self._take()) is not None:
                if not batch:
                    self._publish(self._decoder.close())
                for start_s, samples in batch:
                    update = self._decoder.push(samples, start_s)
                    if update is not None:
                        self._publish(update)
            self._publish(self._decoder.close())
        except Exception as error:  # the recording goes on without captions
            log.exception("live captions failed")
            self._error = error
        finally:
            self._finished.set()

    def _take(self) -> list[tuple[float, np.ndarray]] | None:
        """Everything queued (waiting for at least one block), contiguous blocks joined into
        one so that a backlog is decoded once; ``None`` at the end, ``[]`` when the stream
        stalled (:data:`STALL_S`) with words still tentative."""
        try:
            first = self._queue.get(timeout=STALL_S if self._decoder.pending else None)
        except queue.Empty:
            return []
        if first is None:
            return None
        blocks = [first]
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._queue.put(None)  # seen again by the next _take, after this batch
                break
            blocks.append(item)
        batch: list[tuple[float, list[np.ndarray]]] = []
        end = -1.0
        for block in blocks:
            if batch and abs(block.start_s - end) < 0.01:
                batch[-1][1].append(block.samples)
            else:
                batch.append((block.start_s, [block.samples]))
            end = block.end_s
        return [(start, np.concatenate(parts)) for start, parts in batch]

    def _publish(self, update: CaptionUpdate) -> None:
        if update.decoded:
            self._last_decode = time.monotonic()
        if self._log is not None:
            self._log.append(_live(update.committed))
            self._log.set_tentative(_live(update.tentative))
        if self._listener is not None:
            self._listener(update, time.monotonic())


def _live(words: Sequence[CaptionWord]) -> list[LiveWord]:
    return [LiveWord(w.start_s, w.end_s, w.text, w.language) for w in words]
