"""pyannote's segmentation-3.0 on onnxruntime: who is active in each frame of 10 s windows.

The network (prepared as ONNX by ``models.prepare_segmentation_model``) reads 10 s windows and
gives, for each 16.875 ms frame, the log-probability of each "powerset" class: silence, one of
up to three window-local speakers alone, or a pair of them together (Plaquet and Bredin,
"Powerset multi-class cross entropy loss for neural speaker diarization", Interspeech 2023).
Local speakers are numbered per window: speaker 1 of one window need not be speaker 1 of the
next. ``diarize.overlap`` reads overlapped speech from the windows, ``diarize.constraints``
which stretches of speech are different people.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from diarize.audio import Waveform
from kuvend.domain import SAMPLE_RATE_HZ

#: The network's window (10 s), its output frames per window, their step and their span.
WINDOW_SAMPLES = 160_000
FRAMES_PER_WINDOW = 589
FRAME_STEP_SAMPLES = 270
FRAME_SPAN_SAMPLES = 991
#: Window-local speakers active in each powerset class (rows), as 0/1 per speaker (columns).
CLASS_SPEAKERS = np.array(
    [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.int8
)
#: Windows sent to onnxruntime in one call.
BATCH_WINDOWS = 8


@dataclass(frozen=True)
class PowersetWindows:
    """The network's output over one stretch of audio.

    ``starts`` (windows,) are sample offsets, multiples of the frame step; ``log_probabilities``
    is (windows, 589, 7); ``samples`` is the length of the audio they cover.
    """

    starts: npt.NDArray[np.int64]
    log_probabilities: npt.NDArray[np.float32]
    samples: int

    def active_speakers(self) -> npt.NDArray[np.int8]:
        """(windows, 589, 3): 1 where a window-local speaker is active (the likeliest class)."""
        active: npt.NDArray[np.int8] = CLASS_SPEAKERS[self.log_probabilities.argmax(axis=2)]
        return active


def frame_centres_s(frames: npt.NDArray[np.int64], start: int = 0) -> npt.NDArray[np.float64]:
    """Centres, in seconds from the audio's start, of ``frames`` (indices) of the window at
    sample ``start``; with ``start`` 0, of frames on the whole audio's frame grid."""
    centres: npt.NDArray[np.float64] = (
        start + frames * FRAME_STEP_SAMPLES + FRAME_SPAN_SAMPLES / 2
    ) / SAMPLE_RATE_HZ
    return centres


def frame_probability(windows: PowersetWindows, classes: slice) -> npt.NDArray[np.float64]:
    """Probability (0..1) of ``classes`` (summed) in each frame of the audio, averaged over
    the windows that see it; frame ``i`` is centred on ``frame_centres_s(i)``."""
    length = max(windows.samples, WINDOW_SAMPLES)
    frames = (length - FRAME_SPAN_SAMPLES) // FRAME_STEP_SAMPLES + 1
    total, seen = np.zeros(frames), np.zeros(frames)
    chosen = np.exp(windows.log_probabilities[:, :, classes]).sum(axis=2)
    for start, window in zip(windows.starts, chosen, strict=True):
        # Window starts are multiples of the frame step, so frames line up exactly.
        offset = int(start) // FRAME_STEP_SAMPLES
        span = min(FRAMES_PER_WINDOW, frames - offset)
        total[offset : offset + span] += window[:span]
        seen[offset : offset + span] += 1
    usable = int(np.ceil(windows.samples / FRAME_STEP_SAMPLES))
    probability: npt.NDArray[np.float64] = (total / np.maximum(seen, 1))[:usable]
    return probability


def stretches_above(
    windows: PowersetWindows,
    probability: npt.NDArray[np.float64],
    threshold: float,
    min_duration_s: float,
) -> list[tuple[float, float]]:
    """(start_s, end_s) from the start of the windows' audio, sorted, of the runs of frames
    whose ``probability`` is above ``threshold``; runs shorter than ``min_duration_s`` are
    dropped."""
    above = np.concatenate([[False], probability > threshold, [False]])
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    duration_s = windows.samples / SAMPLE_RATE_HZ
    half_step_s = FRAME_STEP_SAMPLES / SAMPLE_RATE_HZ / 2
    starts = frame_centres_s(edges[::2]) - half_step_s
    ends = np.minimum(frame_centres_s(edges[1::2] - 1) + half_step_s, duration_s)
    return [
        (max(0.0, float(start)), float(end))
        for start, end in zip(starts, ends, strict=True)
        if end - start >= min_duration_s
    ]


class SegmentationModel:
    """segmentation-3.0 as ONNX, run over 16 kHz audio in 10 s windows."""

    def __init__(self, model_path: Path) -> None:
        self.model_path = model_path

    def windows(self, samples: Waveform, *, step_s: float) -> PowersetWindows:
        """The network's output on windows every ``step_s`` seconds (at most 10) covering
        ``samples`` (zero-padded to 10 s when shorter); ``ValueError`` for another step."""
        if not 0 < step_s <= WINDOW_SAMPLES / SAMPLE_RATE_HZ:
            raise ValueError(f"step_s must be in (0, 10] seconds, not {step_s}")
        padded = np.zeros(max(len(samples), WINDOW_SAMPLES), dtype=np.float32)
        padded[: len(samples)] = samples
        starts = _window_starts(len(padded), round(step_s * SAMPLE_RATE_HZ))
        session = _session(self.model_path)
        outputs = []
        for batch in range(0, len(starts), BATCH_WINDOWS):
            chosen = starts[batch : batch + BATCH_WINDOWS]
            windows = np.stack([padded[start : start + WINDOW_SAMPLES] for start in chosen])
            (log_probabilities,) = session.run(None, {"waveforms": windows[:, None, :]})
            outputs.append(log_probabilities)
        return PowersetWindows(
            np.asarray(starts, dtype=np.int64), np.concatenate(outputs), len(samples)
        )


def _window_starts(length: int, step: int) -> list[int]:
    """Window starts (in samples, multiples of the frame step) covering ``length`` samples."""
    step = max(FRAME_STEP_SAMPLES, step - step % FRAME_STEP_SAMPLES)
    last = length - WINDOW_SAMPLES
    starts = list(range(0, last + 1, step))
    if starts[-1] != last:
        # The tail gets a window of its own, pulled back onto the frame grid.
        starts.append(last - last % FRAME_STEP_SAMPLES)
    return starts


@lru_cache(maxsize=2)
def _session(model_path: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One worker process per core is how Kuvend scales; a model taking every core would fight it.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(model_path), options, providers=["CPUExecutionProvider"]
    )
