"""Recordings as municipalities have them (issue 15): every audio stream, one clock, honest
durations, channel layouts, long silence. Every input is made here with ffmpeg and espeak-ng;
times are checked with Silero VAD against the speech's own onset, on the video's clock."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from diarize import DiarizeOptions
from diarize.vad import speech_regions
from ingest import IngestedAudio, IngestOptions, ingest_file, probe_media, validate_upload
from kuvend.errors import MediaError
from kuvend.storage.media import MediaStore
from tests.utils.media import (
    ffmpeg,
    resampled,
    stereo_with_dead_channel,
    streamed_webm,
    surround_with_centre,
    transport_stream_with_jump,
    truncated_copy,
    video_with_late_audio,
    video_with_tracks,
)
from tests.utils.speech import ALBANIAN_SENTENCES, require_tools, speak, wav_duration
from workers.ingesting import media_report, speech_detector

Samples = npt.NDArray[np.float32]
CLOCK_TOLERANCE_S = 0.3


@pytest.fixture(scope="module")
def sentence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Albanian sentence (about 5 s), 16 kHz mono."""
    require_tools()
    path = tmp_path_factory.mktemp("sentence") / "sq.wav"
    speak(ALBANIAN_SENTENCES[0], "sq+m3", path)
    return path


def _read(path: Path) -> Samples:
    """Any audio file as 16 kHz mono float samples (ffmpeg decodes it)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", "16000", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4").copy()


def _onsets(samples: Samples, offset_s: float = 0.0) -> list[float]:
    return [offset_s + start for start, _ in speech_regions(samples, DiarizeOptions())]


def _speech_starts(audio: IngestedAudio) -> list[float]:
    """Where speech begins in the chunks, on the session clock."""
    return [
        start
        for chunk in audio.chunks
        for start in _onsets(soundfile.read(chunk.path, dtype="float32")[0], chunk.offset_s)
    ]


def _ingest(
    path: Path, folder: Path, *, audio_stream: int | None = None, accept_truncated: bool = False
) -> IngestedAudio:
    return ingest_file(
        path,
        folder / "chunks",
        IngestOptions(accept_truncated=accept_truncated),
        player=folder / "audio.m4a",
        detector=speech_detector(),
        audio_stream=audio_stream,
    )


# -- several audio streams ----------------------------------------------------------------------


def test_the_stream_with_speech_is_chosen_and_every_stream_listed(
    sentence: Path, tmp_path: Path
) -> None:
    video = video_with_tracks(tmp_path / "camera.mp4", 8.0, "anoisesrc=a=0.003:r=16000", sentence)
    audio = _ingest(video, tmp_path)
    assert audio.selection.stream.index == 1
    report = media_report(audio)
    streams = report["audio_streams"]
    assert [(s["index"], s["used"], s["channels"]) for s in streams] == [
        (0, False, 1),
        (1, True, 1),
    ]
    assert streams[0]["speech_s"] == 0.0
    assert streams[1]["speech_s"] > 2.0
    assert "a:1 used" in report["audio_note"] and "not used: a:0" in report["audio_note"]
    assert _speech_starts(audio)[0] == pytest.approx(_onsets(_read(sentence))[0], abs=0.3)


def test_the_operator_names_the_stream(sentence: Path, tmp_path: Path) -> None:
    video = video_with_tracks(tmp_path / "camera.mp4", 8.0, "anoisesrc=a=0.003:r=16000", sentence)
    audio = _ingest(video, tmp_path / "asked", audio_stream=0)
    assert audio.selection.stream.index == 0
    assert audio.selection.requested
    assert _speech_starts(audio) == []
    with pytest.raises(MediaError, match=r"has no audio stream 2: it has 2 \(numbered 0 to 1\)"):
        _ingest(video, tmp_path / "missing", audio_stream=2)


# -- one clock ----------------------------------------------------------------------------------


def test_audio_that_starts_late_keeps_its_place_on_the_video_clock(
    sentence: Path, tmp_path: Path
) -> None:
    delay = 3.5
    video = video_with_late_audio(tmp_path / "late.mp4", 12.0, sentence, delay)
    audio = _ingest(video, tmp_path)
    expected = delay + _onsets(_read(sentence))[0]
    assert _speech_starts(audio)[0] == pytest.approx(expected, abs=CLOCK_TOLERANCE_S)
    assert audio.duration_s == pytest.approx(12.0, abs=0.1)  # the video's length
    assert audio.gaps == ()
    # The page's player plays the same clock: its speech starts at the same moment.
    player = _read(tmp_path / "audio.m4a")
    assert len(player) / 16_000 == pytest.approx(12.0, abs=0.1)
    assert _onsets(player)[0] == pytest.approx(expected, abs=CLOCK_TOLERANCE_S)


@pytest.mark.parametrize("jump_s", [600.0, 5.0], ids=["clock jump", "hole"])
def test_a_timestamp_jump_is_a_gap_and_the_speech_after_it_keeps_its_time(
    sentence: Path, tmp_path: Path, jump_s: float
) -> None:
    stream = transport_stream_with_jump(tmp_path / "tv.ts", sentence, sentence, jump_s)
    length = wav_duration(sentence)
    audio = _ingest(stream, tmp_path)
    assert len(audio.gaps) == 1
    gap = audio.gaps[0]
    # AAC pads the first part by a frame or two, which the hole then lacks.
    assert gap.start_s == pytest.approx(length, abs=CLOCK_TOLERANCE_S)
    assert gap.end_s - gap.start_s == pytest.approx(jump_s, abs=CLOCK_TOLERANCE_S)
    onset = _onsets(_read(sentence))[0]
    starts = _speech_starts(audio)
    assert starts[0] == pytest.approx(onset, abs=CLOCK_TOLERANCE_S)
    assert starts[-1] == pytest.approx(length + jump_s + onset, abs=CLOCK_TOLERANCE_S)
    assert audio.duration_s == pytest.approx(2 * length + jump_s, abs=0.3)
    # No chunk starts inside the gap (a chunk never spans one).
    assert all(not (gap.start_s + 0.01 < c.offset_s < gap.end_s - 0.01) for c in audio.chunks)


def test_a_hole_just_past_the_chunk_length_ends_the_chunk_with_no_sliver_before_it(
    sentence: Path, tmp_path: Path
) -> None:
    # 4 s chunks; the hole comes after the ~5 s sentence, under half a chunk past the mark.
    stream = transport_stream_with_jump(tmp_path / "tv.ts", sentence, sentence, 5.0)
    audio = ingest_file(
        stream,
        tmp_path / "chunks",
        IngestOptions(chunk_s=4.0),
        player=tmp_path / "audio.m4a",
        detector=speech_detector(),
    )
    (gap,) = audio.gaps
    before = [chunk for chunk in audio.chunks if chunk.offset_s < gap.start_s]
    # One chunk up to the hole (it was cut at 4 s, leaving a 1 s chunk to be diarized alone).
    assert len(before) == 1
    assert before[0].offset_s + before[0].duration_s == pytest.approx(gap.start_s, abs=0.05)


# -- unknown duration ---------------------------------------------------------------------------


def test_a_webm_without_duration_is_measured_by_decoding(sentence: Path, tmp_path: Path) -> None:
    webm = streamed_webm(tmp_path / "browser.webm", sentence)
    stated = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", webm],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert stated == "N/A"
    media = probe_media(webm)
    assert media.duration_measured
    assert media.duration_s == pytest.approx(wav_duration(sentence), abs=0.1)
    # The API's upload path accepts it the same way.
    accepted = validate_upload(
        webm, name="seanca.webm", store=MediaStore(tmp_path / "store"), options=IngestOptions()
    )
    assert accepted.media.duration_s == pytest.approx(wav_duration(sentence), abs=0.1)
    audio = _ingest(webm, tmp_path)
    assert audio.duration_s == pytest.approx(wav_duration(sentence), abs=0.1)
    assert _speech_starts(audio)[0] == pytest.approx(_onsets(_read(sentence))[0], abs=0.3)


# -- truncated files ----------------------------------------------------------------------------


def test_a_truncated_wav_is_refused_with_both_durations(tmp_path: Path) -> None:
    whole = tmp_path / "whole.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=300:d=70:r=16000", "-ac", "1", str(whole))
    cut = truncated_copy(whole, tmp_path / "cut.wav", 3_000)
    store = MediaStore(tmp_path / "store")
    with pytest.raises(MediaError) as refused:
        validate_upload(cut, name="cut.wav", store=store, options=IngestOptions())
    message = str(refused.value)
    assert "\n" not in message
    assert "header says 70.0 s" in message and "audio ends at 0.1 s" in message
    assert "--accept-truncated" in message
    assert not list((tmp_path / "store").rglob("*.wav"))
    with pytest.raises(MediaError, match=r"header says 70\.0 s"):
        _ingest(cut, tmp_path / "refused")
    assert not (tmp_path / "refused" / "chunks").exists()

    accepted = validate_upload(
        cut, name="cut.wav", store=store, options=IngestOptions(accept_truncated=True)
    )
    assert accepted.media.duration_s == pytest.approx(0.09, abs=0.02)
    audio = _ingest(cut, tmp_path / "accepted", accept_truncated=True)
    assert audio.truncated is not None
    assert audio.truncated.stated_s == pytest.approx(70.0)
    assert audio.truncated.decoded_s == pytest.approx(0.09, abs=0.02)
    assert media_report(audio)["truncated"] == {
        "stated_s": audio.truncated.stated_s,
        "decoded_s": audio.truncated.decoded_s,
    }


# -- channel layouts ----------------------------------------------------------------------------


def _correlation(chunk: Path, reference: Samples) -> float:
    samples = soundfile.read(chunk, dtype="float32")[0]
    length = min(len(samples), len(reference))
    return float(np.corrcoef(samples[:length], reference[:length])[0, 1])


def test_surround_is_read_from_its_centre_channel(sentence: Path, tmp_path: Path) -> None:
    mix = surround_with_centre(tmp_path / "broadcast.flac", sentence)
    assert probe_media(mix).channels == 6
    audio = _ingest(mix, tmp_path)
    assert audio.selection.channel == "FC"
    assert _correlation(audio.chunks[0].path, _read(sentence)) > 0.95  # the speech, no tones


def test_stereo_with_a_dead_channel_is_read_from_the_live_one(
    sentence: Path, tmp_path: Path
) -> None:
    for live, name in (("left", "FL"), ("right", "FR")):
        capture = stereo_with_dead_channel(tmp_path / f"{live}.wav", sentence, live=live)
        audio = _ingest(capture, tmp_path / live)
        assert audio.selection.channel == name
        samples = soundfile.read(audio.chunks[0].path, dtype="float32")[0]
        reference = _read(sentence)
        # Full level: a down-mix with the dead channel would be 6 dB quieter.
        level_db = 20 * np.log10(np.std(samples) / np.std(reference))
        assert abs(level_db) < 1.0


# -- amplification ------------------------------------------------------------------------------


def _bytes_under(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_long_silence_is_not_written(tmp_path: Path) -> None:
    silent = tmp_path / "silence.opus"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "1200", "-c:a", "libopus",
           "-b:a", "16k", str(silent))  # fmt: skip
    audio = _ingest(silent, tmp_path / "work")
    assert audio.duration_s == pytest.approx(1200.0, abs=0.1)
    assert len(audio.chunks) == 1  # one chunk keeps every later step simple
    # One chunk of at most 35 s (the last chunk takes a tail under 5 s): 1.12 MB of PCM.
    assert _bytes_under(tmp_path / "work" / "chunks") < 1_130_000
    assert _bytes_under(tmp_path / "work") < 3_000_000  # with 20 minutes of player audio


def test_sound_before_the_first_speech_is_not_written(sentence: Path, tmp_path: Path) -> None:
    noisy = tmp_path / "noise-then-speech.wav"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=a=0.02:r=16000:d=95", "-i", str(sentence),
           "-filter_complex", "[0:a][1:a]concat=n=2:v=0:a=1", str(noisy))  # fmt: skip
    audio = _ingest(noisy, tmp_path)
    # 95 s of noise then speech: only the chunk with the speech is written.
    assert len(audio.chunks) == 1 and audio.chunks[0].offset_s > 60.0
    assert _speech_starts(audio)[0] == pytest.approx(95 + _onsets(_read(sentence))[0], abs=0.3)
    assert audio.duration_s == pytest.approx(95 + wav_duration(sentence), abs=0.1)


# -- narrow-band and high-resolution sources ----------------------------------------------------


@pytest.mark.parametrize(("rate_hz", "bits"), [(8_000, 16), (96_000, 24)])
def test_telephone_and_studio_rates_keep_working(
    sentence: Path, tmp_path: Path, rate_hz: int, bits: int
) -> None:
    source = resampled(sentence, tmp_path / f"speech-{rate_hz}.wav", rate_hz, bits=bits)
    media = probe_media(source)
    assert media.sample_rate == rate_hz
    audio = _ingest(source, tmp_path)
    info = soundfile.info(audio.chunks[0].path)
    assert (info.samplerate, info.channels, info.subtype) == (16_000, 1, "PCM_16")
    assert audio.duration_s == pytest.approx(wav_duration(sentence), abs=0.05)
    assert (audio.selection.stream.speech_s or 0.0) > 2.0
    assert _speech_starts(audio)[0] == pytest.approx(_onsets(_read(sentence))[0], abs=0.3)
