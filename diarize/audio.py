"""Reading a chunk's audio: 16 kHz mono float32, as both models want it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from math import gcd
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile
from scipy.signal import resample_poly

from kuvend.domain import SAMPLE_RATE_HZ
from kuvend.errors import MediaError

Waveform = npt.NDArray[np.float32]


def concatenated(samples: Waveform, spans: Iterable[tuple[float, float]]) -> Waveform:
    """The stretches ``spans`` (start, end seconds) of 16 kHz ``samples``, joined in order;
    empty when there are none."""
    pieces = [
        samples[int(start * SAMPLE_RATE_HZ) : int(end * SAMPLE_RATE_HZ)] for start, end in spans
    ]
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def read_wav(path: Path) -> Waveform:
    """The samples of a 16 kHz WAV, mono, float32 in [-1, 1].

    Chunks from ``ingest`` are already 16 kHz mono; a stereo file is averaged, another
    rate is refused rather than silently misread (the times would be wrong).
    """
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError, soundfile.LibsndfileError) as error:
        raise MediaError(f"cannot read audio {path}: {error}") from error
    if rate != SAMPLE_RATE_HZ:
        raise MediaError(f"{path} is {rate} Hz; diarization needs {SAMPLE_RATE_HZ} Hz (ingest it)")
    mono: Waveform = samples.mean(axis=1).astype(np.float32)
    return mono


def load_any(path: Path) -> Waveform:
    """Any audio file a member's voice sample may come in, as 16 kHz mono float32.

    libsndfile reads WAV, FLAC, OGG and MP3; anything else (M4A, a phone's AMR, a video)
    is decoded by ffmpeg, which the set-up installs for ingest anyway.
    """
    if not path.is_file():
        raise MediaError(f"no such file: {path}")
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError):
        return _decoded_by_ffmpeg(path)
    mono = samples.mean(axis=1)
    if rate != SAMPLE_RATE_HZ:
        divisor = gcd(rate, SAMPLE_RATE_HZ)
        mono = resample_poly(mono, SAMPLE_RATE_HZ // divisor, rate // divisor)
    return np.asarray(mono, dtype=np.float32)


def _decoded_by_ffmpeg(path: Path) -> Waveform:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path)]
    command += ["-f", "f32le", "-ac", "1", "-ar", str(SAMPLE_RATE_HZ), "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise MediaError(f"cannot read audio {path.name}: {reason[-1] if reason else 'no audio'}")
    return np.frombuffer(result.stdout, dtype=np.float32).copy()
