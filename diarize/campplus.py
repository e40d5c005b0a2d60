"""Voice embeddings with the CAM++ speaker encoder (ONNX, exported once by ``models``).

CAM++ (Wang et al., Interspeech 2023, arXiv:2303.00332; weights: 3D-Speaker's
``speech_campplus_sv_zh_en_16k-common_advanced``, Apache-2.0, about 200,000 speakers) reads
80-band Kaldi filterbanks of 25 ms frames every 10 ms with no dither, each band's mean over
the utterance subtracted, and gives one 192-dim embedding for any length of speech. The
filterbanks come from ``kaldi-native-fbank`` (k2-fsa), Kaldi's own computation without torch;
the network runs on onnxruntime.
"""

from __future__ import annotations

import itertools
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from diarize.audio import Waveform
from diarize.embedding import EmbeddedTile, normalised_rows, repeated_to, tile_bounds
from kuvend.domain import SAMPLE_RATE_HZ, Embedding
from kuvend.errors import ModelError

#: Filterbank bands and frame shift the weights were trained with, and the embedding's size.
N_MELS = 80
EMBEDDING_DIM = 192
HOP_S = 0.010
#: Shorter speech is repeated to this many frames: the network's convolutions and its
#: 100-frame segment pooling need some context, and a padded silence would be embedded too.
MIN_FRAMES = 50


class CAMPlusPlusEncoder:
    """CAM++ on onnxruntime (CPU); ``model`` is the exported ONNX file."""

    name = "campplus"
    window_s = 1.6
    """Seconds of speech behind one diarization tile, centred on it."""

    def __init__(self, model: Path) -> None:
        self.model = model

    @cached_property
    def _session(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # Two cores are shared by the whole worker; one thread per call is the fair share.
        options.intra_op_num_threads = 1
        try:
            return onnxruntime.InferenceSession(
                str(self.model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own untyped errors
            raise ModelError(
                f"cannot load the CAM++ speaker encoder {self.model} ({error}); delete it and "
                "run: kuvend models prepare (or set KUVEND_SPEAKER_ENCODER=dvector)"
            ) from error

    def filterbanks(self, samples: Waveform) -> npt.NDArray[np.float32]:
        """(frames, 80) Kaldi log mel filterbanks, 10 ms apart, not yet mean-normalised."""
        import kaldi_native_fbank

        options = kaldi_native_fbank.FbankOptions()
        options.frame_opts.samp_freq = SAMPLE_RATE_HZ
        options.frame_opts.dither = 0.0
        options.mel_opts.num_bins = N_MELS
        computer = kaldi_native_fbank.OnlineFbank(options)
        computer.accept_waveform(SAMPLE_RATE_HZ, np.asarray(samples, dtype=np.float32))
        computer.input_finished()
        count = computer.num_frames_ready
        if count == 0:
            return np.zeros((0, N_MELS), dtype=np.float32)
        return np.stack([computer.get_frame(i) for i in range(count)]).astype(np.float32)

    def _embed_frames(self, pieces: list[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        """One L2-normalised embedding per piece of filterbank frames (equal lengths batch)."""
        prepared = []
        for piece in pieces:
            frames = repeated_to(piece, MIN_FRAMES)
            prepared.append(frames - frames.mean(axis=0, keepdims=True))
        output = np.zeros((len(pieces), EMBEDDING_DIM), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for index, frames in enumerate(prepared):
            by_length.setdefault(len(frames), []).append(index)
        for indices in by_length.values():
            batch = np.stack([prepared[i] for i in indices]).astype(np.float32)
            output[indices] = self._session.run(None, {"features": batch})[0]
        return normalised_rows(output)

    def embed(self, samples: Waveform) -> Embedding:
        """One L2-normalised 192-dim embedding of the whole of ``samples`` (16 kHz speech)."""
        frames = self.filterbanks(samples)
        if len(frames) == 0:
            frames = np.zeros((1, N_MELS), dtype=np.float32)
        embedding: Embedding = self._embed_frames([frames])[0]
        return embedding

    def embed_region(
        self, samples: Waveform, start_s: float, end_s: float, step_s: float
    ) -> list[EmbeddedTile]:
        """Tile [start_s, end_s) of ``samples`` with one embedding per ``step_s``.

        Each tile is labelled by the embedding of the 1.6 s of the region centred on it
        (clipped to the region); tiles cover the region exactly.
        """
        first, last = int(start_s * SAMPLE_RATE_HZ), int(end_s * SAMPLE_RATE_HZ)
        if last <= first:
            return []
        frames = self.filterbanks(samples[first:last])
        if len(frames) == 0:
            frames = np.zeros((1, N_MELS), dtype=np.float32)
        length = end_s - start_s
        bounds = tile_bounds(length, step_s)
        half = self.window_s / 2
        pieces = []
        for a, b in itertools.pairwise(bounds):
            middle = (a + b) / 2
            low = max(0.0, min(middle - half, length - self.window_s))
            high = min(length, low + self.window_s)
            piece = frames[int(low / HOP_S) : max(int(high / HOP_S), int(low / HOP_S) + 1)]
            pieces.append(piece if len(piece) else frames[-1:])
        embeddings = self._embed_frames(pieces)
        return [
            EmbeddedTile(start_s + float(a), start_s + float(b), embeddings[i])
            for i, (a, b) in enumerate(itertools.pairwise(bounds))
        ]
