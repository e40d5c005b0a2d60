"""Reading a chunk's samples, with the unfinished speech carried over from the previous chunk."""

from __future__ import annotations

from dataclasses import dataclass

import faster_whisper
import numpy as np
import numpy.typing as npt
import soundfile

from kuvend.domain import SAMPLE_RATE_HZ, AudioChunk
from kuvend.errors import MediaError

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ChunkAudio:
    """16 kHz mono samples whose first sample lies at ``start_s`` on the session clock."""

    samples: Samples
    start_s: float

    @property
    def duration_s(self) -> float:
        """Length of the samples in seconds."""
        return len(self.samples) / SAMPLE_RATE_HZ

    @property
    def end_s(self) -> float:
        """Session time just after the last sample."""
        return self.start_s + self.duration_s

    def between(self, start_s: float, end_s: float) -> Samples:
        """The samples from ``start_s`` to ``end_s``, both relative to ``start_s`` of the audio."""
        return self.samples[int(start_s * SAMPLE_RATE_HZ) : int(end_s * SAMPLE_RATE_HZ)]


def read_samples(chunk: AudioChunk, *, from_s: float = 0.0) -> Samples:
    """The chunk's samples from ``from_s`` (seconds into the chunk) to its end.

    Chunks from ingest are 16 kHz mono PCM WAV and are read directly; anything else (a test
    clip, a 44.1 kHz file) is decoded and resampled by faster-whisper's PyAV reader.
    """
    try:
        info = soundfile.info(str(chunk.path))
    except (soundfile.LibsndfileError, RuntimeError):
        info = None
    except FileNotFoundError as error:
        raise MediaError(f"audio chunk {chunk.path} does not exist") from error
    if info is not None and info.samplerate == SAMPLE_RATE_HZ and info.channels == 1:
        data, _ = soundfile.read(
            str(chunk.path), start=int(from_s * SAMPLE_RATE_HZ), dtype="float32", always_2d=False
        )
        return np.asarray(data, dtype=np.float32)
    try:
        decoded = faster_whisper.decode_audio(str(chunk.path), sampling_rate=SAMPLE_RATE_HZ)
    except Exception as error:  # PyAV raises its own zoo of errors for a bad file
        raise MediaError(f"cannot read audio chunk {chunk.path}: {error}") from error
    return np.asarray(decoded[int(from_s * SAMPLE_RATE_HZ) :], dtype=np.float32)


def span_audio(
    chunk: AudioChunk, previous: AudioChunk | None, start_s: float, end_s: float
) -> ChunkAudio:
    """Session audio from ``start_s`` to ``end_s``: the chunk's own, preceded by the end of
    ``previous`` where ``start_s`` lies before the chunk (speech that ran across the cut).
    """
    own = read_samples(chunk, from_s=max(0.0, start_s - chunk.offset_s))
    own = own[: max(0, round((end_s - max(start_s, chunk.offset_s)) * SAMPLE_RATE_HZ))]
    if previous is None or start_s >= chunk.offset_s:
        return ChunkAudio(own, max(start_s, chunk.offset_s))
    carried = read_samples(previous, from_s=max(0.0, start_s - previous.offset_s))
    # The carried samples end where this chunk begins; the start follows from their length.
    return ChunkAudio(
        np.concatenate([carried, own]), chunk.offset_s - len(carried) / SAMPLE_RATE_HZ
    )
