"""Reading a chunk's audio: 16 kHz mono float32, as both models want it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

from kuvend.errors import MediaError

SAMPLE_RATE = 16_000

Waveform = npt.NDArray[np.float32]


def read_wav(path: Path) -> Waveform:
    """The samples of a 16 kHz WAV, mono, float32 in [-1, 1].

    Chunks from ``ingest`` are already 16 kHz mono; a stereo file is averaged, another
    rate is refused rather than silently misread (the times would be wrong).
    """
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError, soundfile.LibsndfileError) as error:
        raise MediaError(f"cannot read audio {path}: {error}") from error
    if rate != SAMPLE_RATE:
        raise MediaError(f"{path} is {rate} Hz; diarization needs {SAMPLE_RATE} Hz (ingest it)")
    mono: Waveform = samples.mean(axis=1).astype(np.float32)
    return mono


def load_any(path: Path) -> Waveform:
    """Any audio file a member's voice sample may come in, as 16 kHz mono float32."""
    if not path.is_file():
        raise MediaError(f"no such file: {path}")
    # librosa decodes WAV/FLAC/OGG through soundfile and anything else through ffmpeg,
    # and resamples; a voice sample is short, so its cost does not matter.
    import librosa

    try:
        samples, _ = librosa.load(str(path), sr=SAMPLE_RATE, mono=True)
    except Exception as error:  # librosa raises whatever its decoders raise
        raise MediaError(f"cannot read audio {path.name}: {error}".splitlines()[0]) from error
    return np.asarray(samples, dtype=np.float32)
