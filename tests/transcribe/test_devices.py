"""Devices: CPU int8 by default, CUDA float16; windows are batched on both."""

from __future__ import annotations

import ctranslate2
import pytest
import soundfile

from kuvend.config import Settings
from kuvend.domain import AudioChunk
from models import resolve_whisper_model
from tests.transcribe.conftest import MODEL_CACHE_DIR, eval_path
from transcribe import TranscribeOptions, WhisperEngine, load_whisper, transcribe_chunk
from transcribe.engine import default_compute_type, resolve_device


def test_the_cpu_default_is_int8(engine: WhisperEngine) -> None:
    assert (engine.device, engine.compute_type) == ("cpu", "int8")
    assert "faster-whisper" in engine.generator and "whisper-base" in engine.generator
    assert default_compute_type("cuda") == "float16"


def test_the_model_is_loaded_once_per_process(engine: WhisperEngine) -> None:
    again = load_whisper(engine.model_dir, device="cpu", compute_type="default", cpu_threads=2)
    assert again is engine


def test_options_follow_the_settings_and_the_assembly() -> None:
    settings = Settings(_env_file=None, whisper_beam_size=3, whisper_batch_size=32)
    options = TranscribeOptions.from_settings(
        settings,
        languages=["sr", "sq", "bs"],
        serbian_script="cyrillic",
        vocabulary=[" Zvečan ", ""],
    )
    assert options.languages == ("sr", "sq")
    assert (options.beam_size, options.batch_size) == (3, 32)
    assert options.serbian_script == "cyrillic" and options.vocabulary == ("Zvečan",)


@pytest.mark.gpu
@pytest.mark.skipif(ctranslate2.get_cuda_device_count() == 0, reason="no CUDA device here")
def test_cuda_batches_keep_language_and_script() -> None:
    assert resolve_device("auto") == "cuda"
    folder = resolve_whisper_model("base", models_dir=None, cache_dir=MODEL_CACHE_DIR)
    gpu = load_whisper(folder, device="auto")
    assert gpu.compute_type == "float16"
    path = eval_path("hr/parlaspeech_tutorial/sabor_sample_5.5-27.6.wav")
    chunk = AudioChunk(0, path, 0.0, soundfile.info(str(path)).duration)

    segments = list(transcribe_chunk(gpu, chunk, TranscribeOptions(batch_size=8)))

    assert segments and {s.language for s in segments} == {"sr"}
    assert all(s.words and s.text_other_script for s in segments)
