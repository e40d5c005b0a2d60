"""Importing pyannote.audio (an optional extra) so that it runs here and phones nowhere."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from kuvend.errors import ConfigError

INSTALL_HINT = (
    "the pyannote diarizer needs the optional extra: pip install 'kuvend[pyannote]' "
    "(pyannote.audio 4.0.7), or use KUVEND_DIARIZER=embedded"
)


@lru_cache(maxsize=1)
def pyannote_audio() -> types.ModuleType:
    """The ``pyannote.audio`` package, or ``ConfigError`` saying how to install it."""
    if importlib.util.find_spec("pyannote.audio") is None:
        raise ConfigError(INSTALL_HINT)
    # pyannote.audio 4 sends usage metrics to its company's servers unless told not to;
    # Kuvend runs in closed networks and promises not to call out.
    os.environ["PYANNOTE_METRICS_ENABLED"] = "false"
    _import_torchaudio()
    with warnings.catch_warnings():
        # PyPI's torchcodec is a CUDA build; without CUDA it fails to load and pyannote warns
        # that it cannot decode files. Kuvend passes audio in memory, so that is harmless.
        warnings.filterwarnings("ignore", message=r"(?s).*torchcodec", category=UserWarning)
        return importlib.import_module("pyannote.audio")


def _import_torchaudio() -> None:
    """Import torchaudio, standing in for its compiled extension where that cannot load.

    PyPI's torchaudio 2.11 is built against CUDA torch; beside the CPU torch wheel its
    extension fails with ``libc10_cuda.so`` missing and the whole package refuses to import.
    pyannote uses only torchaudio's pure-PyTorch parts (Kaldi filter banks, resampling),
    so on such a machine the extension is replaced by a module that says it is absent,
    which is what torchaudio itself reports when it was built without one.
    """
    try:
        importlib.import_module("torchaudio")
    except OSError:
        for name in [name for name in sys.modules if name.split(".")[0] == "torchaudio"]:
            del sys.modules[name]
        sys.modules["torchaudio._extension"] = _absent_extension()
        importlib.import_module("torchaudio")


def _absent_extension() -> types.ModuleType:
    def unavailable(function: Callable[..., Any]) -> Callable[..., Any]:
        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError(f"{function.__name__} needs torchaudio's CUDA extension")

        return fail

    module = types.ModuleType("torchaudio._extension")
    module._IS_TORCHAUDIO_EXT_AVAILABLE = False  # type: ignore[attr-defined]
    module._IS_ALIGN_AVAILABLE = False  # type: ignore[attr-defined]
    module.fail_if_no_align = unavailable  # type: ignore[attr-defined]
    module._load_lib = lambda _name: False  # type: ignore[attr-defined]
    return module
