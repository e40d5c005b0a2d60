"""``ingest_file``: a recording file made into a session's audio on one clock.

Probe every audio stream; choose the one with speech (or the operator's) and its channel; read
the holes in its timestamps; decode and cut it into chunks placed on the container's clock;
check it lasts as long as its header says; encode the player's audio from the same chunks, so
that the transcript, the player and the video share one clock.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from ingest.chunks import AudioPlan, cut_audio
from ingest.options import IngestOptions
from ingest.player import encode_chunks_for_player
from ingest.probe import probe_media
from ingest.streams import AudioSelection, SpeechDetector, select_audio
from ingest.timeline import timestamp_breaks
from kuvend.domain import AudioChunk, Gap
from kuvend.errors import MediaError
from kuvend.types import StageHook, no_hook

log = logging.getLogger(__name__)

#: A video may run on this long after its audio ends (a camera stops the picture last); the
#: session then lasts as long as the video. Past it the container's figure is not trusted.
_PICTURE_RUNS_ON_S = 5.0
#: Audio ending this much before the header says is a truncated file.
_TRUNCATION_SLACK_S = 1.0


@dataclass(frozen=True, slots=True)
class Truncation:
    """The audio ends at ``decoded_s`` on the session clock; the header said ``stated_s``."""

    stated_s: float
    decoded_s: float


@dataclass(frozen=True, slots=True)
class IngestedAudio:
    """A session's audio: chunks and gaps on the session clock, and what was found."""

    chunks: tuple[AudioChunk, ...]
    gaps: tuple[Gap, ...]
    duration_s: float
    selection: AudioSelection
    truncated: Truncation | None


def ingest_file(
    path: Path,
    folder: Path,
    options: IngestOptions,
    *,
    player: Path,
    detector: SpeechDetector | None = None,
    audio_stream: int | None = None,
    hook: StageHook = no_hook,
) -> IngestedAudio:
    """Make ``path``'s audio into chunks in ``folder`` and the player's audio at ``player``.

    ``audio_stream`` (``a:N``) overrides the choice of the stream with the most speech.
    Raises ``MediaError`` (nothing left in ``folder``) when the file is unusable, has no such
    stream, or is truncated and ``options.accept_truncated`` is not set.
    """
    media = probe_media(path, options)
    selection = select_audio(media, detector, options, audio_stream)
    stream = selection.stream
    media = dataclasses.replace(
        media,
        audio_stream=stream.index,
        audio_codec=stream.codec,
        sample_rate=stream.sample_rate,
        channels=stream.channels,
    )
    plan = AudioPlan(
        stream=stream.index,
        channel=selection.channel,
        start_s=stream.start_s,
        breaks=tuple(timestamp_breaks(path, stream.index, options.min_gap_s)),
    )
    cut = cut_audio(media, folder, options, plan=plan, detector=detector, hook=hook)
    stated = _stated_end_s(media.header_duration_s, stream.index, stream.start_s, stream.duration_s)
    truncated = None
    if stated is not None and cut.end_s < stated - _TRUNCATION_SLACK_S:
        truncated = Truncation(stated_s=round(stated, 3), decoded_s=round(cut.end_s, 3))
        if not options.accept_truncated:
            shutil.rmtree(folder, ignore_errors=True)
            raise MediaError(
                f"{path.name} is truncated: its header says {stated:.1f} s but its audio ends "
                f"at {cut.end_s:.1f} s (kuvend process --accept-truncated processes what there is)"
            )
    duration = cut.end_s
    if truncated is None and 0.0 < media.duration_s - cut.end_s <= _PICTURE_RUNS_ON_S:
        duration = media.duration_s
    encode_chunks_for_player(cut.chunks, duration, player, options)
    return IngestedAudio(
        chunks=cut.chunks,
        gaps=plan.gaps(),
        duration_s=duration,
        selection=selection,
        truncated=truncated,
    )


def _stated_end_s(
    header_s: float | None, index: int, start_s: float, stream_s: float | None
) -> float | None:
    """Where the header says the chosen stream's audio ends on the session clock.

    ``header_s`` is the first stream's figure (with a WAV header's promise), so it counts only
    for stream 0. A hole in the timestamps lies inside a stream's stated span, like the clock.
    """
    stated = [start_s + stream_s] if stream_s is not None else []
    if index == 0 and header_s is not None:
        stated.append(header_s)
    return max(stated) if stated else None
