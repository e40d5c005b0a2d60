"""The models a worker process keeps, built from the settings in one place.

``load_engines`` gives the pipeline's steps Whisper and the diarizer; ``voice_diarizer``
gives enrolment (``kuvend members add``, the secretariat's "enrol from a voice sample") the
configured diarizer without Whisper or overlap detection, which enrolment does not use.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import diarize
import models
import transcribe
from kuvend.config import Settings


class Engines:
    """The models a worker process keeps for its lifetime.

    Whisper loads on first use: a CPU worker that only finalizes sessions reuses the stored
    transcripts and needs the model's name (for the artifact keys), not the model.
    """

    def __init__(
        self,
        *,
        model_dir: Path,
        device: Literal["auto", "cpu", "cuda"],
        compute_type: str,
        cpu_threads: int,
        diarizer: diarize.Diarizer,
    ) -> None:
        self.whisper_name = model_dir.name
        self.diarizer = diarizer
        self._model_dir = model_dir
        self._device: Literal["auto", "cpu", "cuda"] = device
        self._compute_type = compute_type
        self._cpu_threads = cpu_threads

    @cached_property
    def whisper(self) -> Any:
        """The Whisper model, loaded on first use."""
        return transcribe.load_whisper(
            self._model_dir,
            device=self._device,
            compute_type=self._compute_type,
            cpu_threads=self._cpu_threads,
        )

    def warm(self) -> Engines:
        """Load Whisper now (before the clock starts, or before the first task)."""
        _ = self.whisper
        return self


def load_engines(settings: Settings) -> Engines:
    """The process's engines, made once per process (Celery calls this after the fork)."""
    return _engines(
        settings.whisper_model,
        settings.models_dir,
        settings.cache_dir,
        settings.whisper_device,
        settings.whisper_compute_type,
        settings.whisper_cpu_threads,
        settings.diarizer,
        settings.speaker_encoder,
        settings.overlap_detection,
        settings.cross_check_speakers,
    )


@lru_cache(maxsize=2)
def _engines(
    whisper_model: str,
    models_dir: Path | None,
    cache_dir: Path,
    device: Literal["auto", "cpu", "cuda"],
    compute_type: str,
    cpu_threads: int,
    diarizer_name: str,
    speaker_encoder: str,
    overlap_detection: bool,
    cross_check_speakers: bool,
) -> Engines:
    model_dir = models.resolve_whisper_model(
        whisper_model, models_dir=models_dir, cache_dir=cache_dir
    )
    # pyannote finds overlap itself; the embedded diarizer needs segmentation-3.0 for it.
    overlap_model = (
        models.resolve_segmentation_model(cache_dir)
        if overlap_detection and diarizer_name == "embedded"
        else None
    )
    return Engines(
        model_dir=model_dir,
        device=device,
        compute_type=compute_type,
        cpu_threads=cpu_threads,
        diarizer=diarize.get_diarizer(
            diarizer_name,
            encoder=speaker_encoder,
            models_dir=models_dir,
            device=device,
            overlap_model=overlap_model,
            encoder_model=models.resolve_encoder_model(diarizer_name, speaker_encoder, cache_dir),
            checker_model=models.resolve_checker_model(
                diarizer_name, speaker_encoder, cross_check_speakers, cache_dir
            ),
        ),
    )


def voice_diarizer(settings: Settings) -> diarize.Diarizer:
    """The configured diarizer and speaker encoder, for embedding voice samples.

    Raises ``ModelError`` (one line, what to run) where the encoder's weights are missing.
    """
    return diarize.get_diarizer(
        settings.diarizer,
        encoder=settings.speaker_encoder,
        models_dir=settings.models_dir,
        device=settings.whisper_device,
        encoder_model=models.resolve_encoder_model(
            settings.diarizer, settings.speaker_encoder, settings.cache_dir
        ),
    )
