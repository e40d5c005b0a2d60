"""pyannote's segmentation-3.0 network (PyanNet) in plain PyTorch, to export it to ONNX once.

The checkpoint (``pytorch_model.bin``, MIT licence, CNRS) is a PyTorch Lightning file whose
hyper-parameters are pickled pyannote.audio objects; Kuvend reads only its tensors, so
exporting needs torch alone, not pyannote.audio. The architecture follows the checkpoint's
``config.yaml`` and pyannote.audio 3.x/4.x's ``PyanNet`` and ``SincNet``: an instance-normalised
waveform, a parametrised sinc filter bank (80 filters of 251 taps, stride 10; Ravanelli and
Bengio, "Speaker Recognition from raw waveform with SincNet", SLT 2018, with the odd filters of
Pariente et al., ICASSP 2020), two more convolutions, each stage max-pooled by 3 and
instance-normalised, a 4-layer bidirectional LSTM (128 units each way), two 128-unit linear
layers and a 7-class log-softmax: the "powerset" classes (no speaker, speaker 1, 2 or 3 of the
10 s window alone, and each pair of them speaking at once).
"""

from __future__ import annotations

import math
import pickle
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.jit._trace import TracerWarning
from torch.nn import functional

#: Samples per second the network was trained on.
SAMPLE_RATE_HZ = 16_000
#: Window the network sees at once: 10 s of audio gives 589 output frames.
WINDOW_SAMPLES = 160_000
#: The powerset classes, as the set of window-local speakers active in each.
POWERSET_CLASSES: tuple[frozenset[int], ...] = (
    frozenset(),
    frozenset({0}),
    frozenset({1}),
    frozenset({2}),
    frozenset({0, 1}),
    frozenset({0, 2}),
    frozenset({1, 2}),
)

_SINC_FILTERS = 80
_SINC_TAPS = 251
_SINC_STRIDE = 10
_MIN_LOW_HZ = 50.0
_MIN_BAND_HZ = 50.0


class PyanNet(nn.Module):
    """(batch, 1, samples) float32 waveforms -> (batch, frames, 7) powerset log-probabilities."""

    def __init__(self) -> None:
        super().__init__()
        self.wav_norm = nn.InstanceNorm1d(1, affine=True)
        self.sinc_filters: torch.Tensor
        self.register_buffer("sinc_filters", torch.zeros(_SINC_FILTERS, 1, _SINC_TAPS))
        self.conv = nn.ModuleList([nn.Conv1d(80, 60, 5), nn.Conv1d(60, 60, 5)])
        self.norm = nn.ModuleList(
            [nn.InstanceNorm1d(80, affine=True)]
            + [nn.InstanceNorm1d(60, affine=True) for _ in range(2)]
        )
        self.lstm = nn.LSTM(60, 128, num_layers=4, bidirectional=True, batch_first=True)
        self.linear = nn.ModuleList([nn.Linear(256, 128), nn.Linear(128, 128)])
        self.classifier = nn.Linear(128, len(POWERSET_CLASSES))

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Powerset log-probabilities per 16.9 ms frame of each 10 s window."""
        outputs = functional.conv1d(self.wav_norm(waveforms), self.sinc_filters, stride=10)
        # The sinc stage is rectified before pooling (SincNet's reference implementation).
        outputs = torch.abs(outputs)
        outputs = functional.leaky_relu(self.norm[0](functional.max_pool1d(outputs, 3)))
        for conv, norm in zip(self.conv, self.norm[1:], strict=True):
            outputs = functional.leaky_relu(norm(functional.max_pool1d(conv(outputs), 3)))
        outputs, _ = self.lstm(outputs.transpose(1, 2))
        for linear in self.linear:
            outputs = functional.leaky_relu(linear(outputs))
        return functional.log_softmax(self.classifier(outputs), dim=-1)

    def load_checkpoint(self, state: dict[str, torch.Tensor]) -> None:
        """Take the weights of a pyannote.audio segmentation-3.0 ``state_dict``.

        Raises ``KeyError`` or ``RuntimeError`` when ``state`` is another network's.
        """
        renamed = {
            "wav_norm.weight": state["sincnet.wav_norm1d.weight"],
            "wav_norm.bias": state["sincnet.wav_norm1d.bias"],
            "sinc_filters": sinc_filters(
                state["sincnet.conv1d.0.filterbank.low_hz_"],
                state["sincnet.conv1d.0.filterbank.band_hz_"],
            ),
        }
        for index in range(3):
            for part in ("weight", "bias"):
                renamed[f"norm.{index}.{part}"] = state[f"sincnet.norm1d.{index}.{part}"]
        for index in range(2):
            for part in ("weight", "bias"):
                renamed[f"conv.{index}.{part}"] = state[f"sincnet.conv1d.{index + 1}.{part}"]
                renamed[f"linear.{index}.{part}"] = state[f"linear.{index}.{part}"]
        for name, tensor in state.items():
            if name.startswith(("lstm.", "classifier.")):
                renamed[name] = tensor
        self.load_state_dict(renamed, strict=True)


def sinc_filters(low_hz: torch.Tensor, band_hz: torch.Tensor) -> torch.Tensor:
    """The (80, 1, 251) band-pass kernels of the learned cut-offs (40 cosine, 40 sine).

    Each filter is the difference of two windowed sinc low-passes, at ``low`` and
    ``low + band`` Hz (both floored at 50 Hz, the upper at Nyquist), Hamming-windowed and
    normalised by its band width; the sine half is the odd (Hilbert-pair) counterpart.
    """
    half = _SINC_TAPS // 2
    low = _MIN_LOW_HZ + low_hz.abs()
    high = torch.clamp(low + _MIN_BAND_HZ + band_hz.abs(), _MIN_LOW_HZ, SAMPLE_RATE_HZ / 2)
    band = (high - low)[:, 0]
    times = 2 * math.pi * torch.arange(-half, 0, dtype=torch.float32).view(1, -1) / SAMPLE_RATE_HZ
    # numpy's Hamming window, float32, as the checkpoint was trained with.
    window = torch.hamming_window(_SINC_TAPS, periodic=False, dtype=torch.float64)[:half].float()
    cos_left = (torch.sin(high @ times) - torch.sin(low @ times)) / (times / 2) * window
    sin_left = (torch.cos(low @ times) - torch.cos(high @ times)) / (times / 2) * window
    cosine = torch.cat([cos_left, 2 * band.view(-1, 1), cos_left.flip(1)], dim=1)
    sine = torch.cat([sin_left, torch.zeros_like(band).view(-1, 1), -sin_left.flip(1)], dim=1)
    filters = torch.cat([cosine, sine], dim=0) / (2 * torch.cat([band, band])[:, None])
    return filters.view(_SINC_FILTERS, 1, _SINC_TAPS)


class _Opaque:
    """Stands in for a pickled pyannote.audio object (the task's specifications), never read."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def __setstate__(self, _state: Any) -> None:
        pass


class _TensorsOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in ("torch", "collections"):
            return super().find_class(module, name)
        if (module, name) == ("copyreg", "_reconstructor"):
            return super().find_class(module, name)
        return _Opaque


class _TensorsOnlyPickle:
    Unpickler = _TensorsOnly
    load = pickle.load


def read_state_dict(checkpoint: Path) -> dict[str, torch.Tensor]:
    """The tensors of a pyannote.audio Lightning checkpoint, without importing pyannote.audio.

    Call it only on a file whose SHA-256 was checked: unpickling runs torch's own rebuild
    functions. Raises ``KeyError`` when the file holds no ``state_dict``.
    """
    payload = torch.load(
        checkpoint, map_location="cpu", weights_only=False, pickle_module=_TensorsOnlyPickle
    )
    state: dict[str, torch.Tensor] = payload["state_dict"]
    return state


def export_onnx(checkpoint: Path, target: Path) -> None:
    """Write ``checkpoint``'s network to ``target`` as ONNX: input ``waveforms`` (batch, 1,
    160000) float32 at 16 kHz, output ``powerset`` (batch, 589, 7) log-probabilities."""
    network = PyanNet()
    network.load_checkpoint(read_state_dict(checkpoint))
    network.eval()
    example = torch.zeros(1, 1, WINDOW_SAMPLES)
    with torch.no_grad(), warnings.catch_warnings():
        # Both are expected here: instance norm always uses the input's statistics (it keeps
        # no running ones), and the LSTM's initial states are zeros at every batch size.
        warnings.filterwarnings("ignore", message=".*operator 'instance_norm' is set to train")
        warnings.filterwarnings("ignore", message=".*batch_size other than 1.*LSTM")
        # The TorchScript exporter is deprecated for torch.export's, which needs onnxscript
        # (not a dependency); this network has no control flow, which is all it cannot do. Its
        # internals warn of their own deprecation at every step; a one-off export can ignore it.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        # Tracing reads instance norm's input shape as Python values; they are fixed here.
        warnings.filterwarnings("ignore", category=TracerWarning)
        torch.onnx.export(
            network,
            (example,),
            str(target),
            input_names=["waveforms"],
            output_names=["powerset"],
            dynamic_axes={"waveforms": {0: "batch"}, "powerset": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
