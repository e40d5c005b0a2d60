"""Whisper windows: speech regions in windows cut to their audio, each encoded exactly once.

The encoder is most of Whisper's cost on a CPU, and it grows with the frames it reads: padding
every window to 30 s (as ``WhisperModel.transcribe`` does) makes a 5 s region cost a 30 s pass.
CTranslate2's Whisper encoder takes fewer than 3000 mel frames, so each window here is cut to
its audio plus 3 s of silence (``cut_frames``, ``PAD_S``), and a session's speech costs about
its own length in encoder time (the same as packing it into full 30 s windows, without the
padding or the language-change cuts that left windows half empty). Everything later — the
language of the window and of each sentence, the decoding, the word timestamps — reads the
stored encoder output. CTranslate2 accepts an encoder output wherever it accepts features
(``Whisper.detect_language``, ``generate``, ``align``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import ctranslate2
import numpy as np
import numpy.typing as npt
from faster_whisper.audio import pad_or_trim

from transcribe.audio import ChunkAudio
from transcribe.engine import WhisperEngine
from transcribe.regions import Region

#: The longest Whisper window, in seconds, and mel frames (10 ms each) per second.
WINDOW_S = 30.0
MEL_FRAMES_PER_S = 100
#: Silence after a cut window's audio, and the step its length is rounded up to (seconds).
#: With 1 s Whisper base read the espeak-ng Serbian end of test_coverage's "three albanian
#: sentences then serbian" only as a flagged loop; with 3 s it reads it. Whisper's
#: no_speech_prob grows as the window shrinks (the first 14.4 s of ../shared/cases/
#: second-audio-track: 0.68 with 1 s, 0.59 with 3 s, 0.49 with 6 s, 0.28 padded to 30 s), so
#: ``guards.sounds_silent`` flags more often than on 30 s windows.
PAD_S = 3.0
QUANTUM_S = 1.0

Encoded = npt.NDArray[np.float32]
"""One window's encoder output, ``(frames // 2, d_model)`` float32 (1500 rows for a full
30 s window, fewer for a cut one), on the host."""


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
        return min(2 * len(self.encoded), round(self.window.duration_s * MEL_FRAMES_PER_S))


def pack_windows(
    regions: Sequence[Region],
    *,
    short_s: float,
    gap_s: float,
    window_s: float = WINDOW_S - 0.5,
) -> list[Window]:
    """Each region its own window, except that a region shorter than ``short_s`` (an
    exclamation, "Hvala", "Po") shares the window of a neighbour less than ``gap_s`` away, and
    such a window takes the next region too while it holds under ``short_s`` of speech.

    Encoding costs what the window holds (``encode_windows`` cuts it to its audio), so joining
    regions saves nothing; a short one joins its neighbour for the context it cannot give
    itself, in its language and its words. A window never spans more than ``window_s``; a
    region longer than that cannot happen (VAD splits speech at ``max_region_s``).
    """
    windows: list[Window] = []
    current: list[Region] = []
    for region in regions:
        if current:
            speech = sum(r.duration_s for r in current)
            close = region.start_s - current[-1].end_s < gap_s
            fits = region.end_s - current[0].start_s <= window_s
            if not (close and fits and min(speech, region.duration_s) < short_s):
                windows.append(Window(current[0].start_s, current[-1].end_s, tuple(current)))
                current = []
        current.append(region)
    if current:
        windows.append(Window(current[0].start_s, current[-1].end_s, tuple(current)))
    return windows


def cut_frames(duration_s: float, *, pad_s: float = PAD_S, quantum_s: float = QUANTUM_S) -> int:
    """Mel frames of the window that holds ``duration_s`` of audio: its audio and at least
    ``pad_s`` of silence after it (where Whisper expects the end of speech), rounded up to a
    whole ``quantum_s``, at most 30 s (3000). Even: the encoder's stride-2 convolution halves it.
    """
    window_s = min(WINDOW_S, math.ceil((duration_s + pad_s) / quantum_s) * quantum_s)
    return 2 * math.ceil(window_s * MEL_FRAMES_PER_S / 2)


def encode_windows(
    engine: WhisperEngine,
    audio: ChunkAudio,
    windows: Sequence[Window],
    *,
    batch_size: int,
    whole: bool = False,
) -> list[EncodedWindow]:
    """Every window through the encoder once, cut to its audio (``cut_frames``); windows of
    the same cut length go through together, ``batch_size`` per forward pass, and come back
    in the order given. ``whole`` pads every window to 30 s instead: a second reading of a
    stretch the first one failed on is worth Whisper's own window, whose silence signals
    (``no_speech_prob``) the guards' limits were set on."""
    model = engine.model
    features = [model.feature_extractor(audio.between(w.start_s, w.end_s)) for w in windows]
    full = int(WINDOW_S * MEL_FRAMES_PER_S)
    lengths = [full if whole else cut_frames(w.duration_s) for w in windows]
    by_length: dict[int, list[int]] = {}
    for index, frames in enumerate(lengths):
        by_length.setdefault(frames, []).append(index)
    encoded: dict[int, Encoded] = {}
    step = max(1, batch_size)
    for frames, indices in sorted(by_length.items()):
        for first in range(0, len(indices), step):
            batch = indices[first : first + step]
            # Padded with zeros, as faster-whisper pads its 30 s windows.
            stacked = np.stack([pad_or_trim(features[i], frames) for i in batch])
            view = ctranslate2.StorageView.from_array(np.ascontiguousarray(stacked, np.float32))
            array = np.asarray(model.model.encode(view, to_cpu=True), dtype=np.float32)
            encoded.update({index: array[row] for row, index in enumerate(batch)})
            engine.counters.encoder_passes += len(batch)
            engine.counters.encoded_s += len(batch) * frames / MEL_FRAMES_PER_S
    return [EncodedWindow(w, encoded[i], engine) for i, w in enumerate(windows)]


def storage(arrays: Sequence[Encoded]) -> ctranslate2.StorageView:
    """Encoder outputs as one CTranslate2 batch."""
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(arrays)))
