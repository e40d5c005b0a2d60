"""Near-live processing of a session being recorded: each chunk as soon as it closes.

The recorder hands every closed chunk to :class:`LiveProcessor`, which transcribes and diarizes
it on a background thread with the same steps as a finished session, links its speakers to the
session's so far (``diarize.SpeakerLinker``), and stores its segments at once, so that captions
(the session page, the API's event stream) trail the stream by one chunk plus processing time.
When the recording ends, :meth:`LiveProcessor.finish` waits for the last chunk and runs the
session's final step (whole-session speaker linking, names, statistics, draft).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import diarize
from kuvend.config import Settings
from kuvend.domain import AudioChunk
from kuvend.minutes import Minutes
from kuvend.progress import StepProgress
from kuvend.storage.db import session_scope
from kuvend.storage.segments import replace_chunk_segments
from kuvend.types import StageHook, no_hook
from workers import steps
from workers.chunk_run import process_chunk
from workers.engines import load_engines

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CaptionLatency:
    """How long after a chunk closed its captions were stored."""

    chunk_index: int
    seconds: float


class LiveProcessor:
    """Processes a live session's chunks in order, on one background thread."""

    def __init__(
        self,
        settings: Settings,
        session_id: str,
        *,
        hook: StageHook = no_hook,
        may_start: Callable[[], bool] = lambda: True,
    ) -> None:
        """``may_start`` is asked before each chunk (every half second until it says yes):
        on a CPU the streaming captions come first (``workers.captions``)."""
        self.settings = settings
        self._may_start = may_start
        self.session_id = session_id
        self.latencies: list[CaptionLatency] = []
        self._hook = hook
        self._queue: queue.Queue[tuple[AudioChunk, float] | None] = queue.Queue()
        self._linker = diarize.SpeakerLinker(diarize.DiarizeOptions.from_settings(settings))
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="live-processor", daemon=True)
        self._thread.start()

    def submit(self, chunk: AudioChunk) -> None:
        """Queue a chunk that has just closed (its row must already be saved)."""
        self._queue.put((chunk, time.monotonic()))

    def finish(self) -> Minutes:
        """Wait for the queued chunks, then run the session's final step; returns the draft."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return steps.finalize_session(
            settings=self.settings,
            engines=load_engines(self.settings),
            session_id=self.session_id,
            hook=self._hook,
        )

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            chunk, closed_at = item
            while not self._may_start():
                time.sleep(0.5)
            try:
                self._caption(chunk)
            except BaseException as error:  # raised again by finish(), in the caller's thread
                log.exception("live processing of chunk %d failed", chunk.index)
                self._error = error
                return
            latency = CaptionLatency(chunk.index, time.monotonic() - closed_at)
            self.latencies.append(latency)
            self._hook("caption", StepProgress("captions", chunk.index + 1, chunk.index + 1))

    def _caption(self, chunk: AudioChunk) -> None:
        segments, regions = process_chunk(
            settings=self.settings,
            engines=load_engines(self.settings),
            session_id=self.session_id,
            chunk_index=chunk.index,
            more_follows=True,
        )
        self._linker.add(regions)
        diarization = self._linker.diarization()
        turns = [
            turn
            for turn in diarization.turns
            if turn.end_s > chunk.offset_s and turn.start_s < chunk.end_s
        ]
        captioned = list(
            diarize.mark_overlaps(
                diarize.attribute_words(segments, turns),
                diarization.overlaps,
                min_overlap_s=self._linker.options.overlap_mark_s,
            )
        )
        with session_scope(self.settings.resolved_database_url) as db:
            replace_chunk_segments(
                session=db, session_id=self.session_id, chunk_index=chunk.index, segments=captioned
            )
