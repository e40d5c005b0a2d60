"""Whisper windows: speech regions packed into 30 s windows, each encoded exactly once.

The encoder is most of Whisper's cost on a CPU (a 30 s window costs the same whether it holds
2 s or 29 s of speech), so neighbouring regions share a window whatever their language, all
windows of a chunk go through the encoder in one batch, and everything later — the language of
the window and of each sentence, the decoding, a re-decode after a guard fails, the word
timestamps — reads the stored encoder output. CTranslate2 accepts an encoder output wherever
it accepts features (``Whisper.detect_language``, ``generate``, ``align``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import ctranslate2
import numpy as np
import numpy.typing as npt
from faster_whisper.audio import pad_or_trim

from transcribe.audio import ChunkAudio
from transcribe.engine import WhisperEngine
from transcribe.regions import Region

#: One Whisper window, in seconds, and its encoder frames (20 ms each).
WINDOW_S = 30.0
ENCODER_FRAMES = 1500
FRAME_S = WINDOW_S / ENCODER_FRAMES

Encoded = npt.NDArray[np.float32]
"""One window's encoder output, ``(1500, d_model)`` float32, on the host."""


@dataclass(frozen=True, slots=True)
class Window:
    """Speech from ``start_s`` to ``end_s`` (seconds into the chunk's audio), ≤ 30 s."""

    start_s: float
    end_s: float
    regions: tuple[Region, ...]

    @property
    def duration_s(self) -> float:
        """Length of the window's audio in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class EncodedWindow:
    """A window and its encoder output, computed once."""

    window: Window
    encoded: Encoded
    engine: WhisperEngine = field(repr=False, compare=False)

    @property
    def frames(self) -> int:
        """Mel frames (10 ms) of real audio in the window: what word alignment reads."""
        return min(3000, round(self.window.duration_s * 100))


def pack_windows(
    regions: Sequence[Region],
    *,
    languages: Sequence[str] | None = None,
    window_s: float = WINDOW_S - 0.5,
) -> list[Window]:
    """Consecutive regions joined into windows spanning at most ``window_s``; with
    ``languages`` (one per region) a window also ends where the language changes.

    A region longer than a window cannot happen: VAD splits speech at ``max_region_s``.
    """
    windows: list[Window] = []
    current: list[Region] = []
    previous = None
    for index, region in enumerate(regions):
        language = languages[index] if languages is not None else None
        changed = current and language != previous
        previous = language
        if current and (changed or region.end_s - current[0].start_s > window_s):
            windows.append(Window(current[0].start_s, current[-1].end_s, tuple(current)))
            current = []
        current.append(region)
    if current:
        windows.append(Window(current[0].start_s, current[-1].end_s, tuple(current)))
    return windows


def encode_windows(
    engine: WhisperEngine, audio: ChunkAudio, windows: Sequence[Window], *, batch_size: int
) -> list[EncodedWindow]:
    """Every window through the encoder, ``batch_size`` windows per forward pass."""
    model = engine.model
    encoded: list[EncodedWindow] = []
    for first in range(0, len(windows), max(1, batch_size)):
        batch = windows[first : first + max(1, batch_size)]
        features = np.stack(
            [pad_or_trim(model.feature_extractor(audio.between(w.start_s, w.end_s))) for w in batch]
        ).astype(np.float32)
        output = model.model.encode(ctranslate2.StorageView.from_array(features), to_cpu=True)
        array = np.asarray(output, dtype=np.float32)
        encoded += [EncodedWindow(w, array[i], engine) for i, w in enumerate(batch)]
        engine.counters.encoder_passes += len(batch)
    return encoded


@lru_cache(maxsize=2)
def silence(engine: WhisperEngine) -> Encoded:
    """The encoder output of 30 s of silence (one encoder pass per process and model)."""
    model = engine.model
    features = pad_or_trim(model.feature_extractor(np.zeros(1600, dtype=np.float32)))
    view = ctranslate2.StorageView.from_array(features[None].astype(np.float32))
    engine.counters.encoder_passes += 1
    encoded: Encoded = np.asarray(model.model.encode(view, to_cpu=True), dtype=np.float32)[0]
    return encoded


def storage(arrays: Sequence[Encoded]) -> ctranslate2.StorageView:
    """Encoder outputs as one CTranslate2 batch."""
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(arrays)))


def masked(window: EncodedWindow, start_s: float, end_s: float) -> Encoded:
    """The window's encoder output as if it held only ``start_s``..``end_s`` (window seconds).

    Frames outside the span are those of a silent window (``silence``, encoded once per
    process): the decoder then reads one sentence in place, as if it had been said alone,
    without a second encoder pass.
    """
    array = window.encoded
    out = silence(window.engine).copy()
    first = max(0, int(start_s / FRAME_S))
    last = min(ENCODER_FRAMES, int(np.ceil(end_s / FRAME_S)))
    out[first:last] = array[first:last]
    return out
