"""ingest: probe and validate media, choose its audio, cut 16 kHz mono chunks on one clock,
record live streams."""

from ingest.chunks import AudioPlan, CutAudio, cut_audio
from ingest.manifest import RecordedPart, Recording, read_manifest
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from ingest.player import (
    encode_chunks_for_player,
    encode_for_player,
    encode_recording_for_player,
    player_partial,
)
from ingest.probe import probe_media
from ingest.record import DiskFullError, check_free_space, record_stream
from ingest.session import IngestedAudio, Truncation, ingest_file
from ingest.streams import AudioSelection, SpeechDetector, select_audio
from ingest.tap import LiveAudio
from ingest.timeline import Break, decoded_duration_s, timestamp_breaks
from ingest.upload import AcceptedUpload, check_upload_name, receive_upload, validate_upload

__all__ = [
    "SAMPLE_RATE_HZ",
    "AcceptedUpload",
    "AudioPlan",
    "AudioSelection",
    "Break",
    "CutAudio",
    "DiskFullError",
    "IngestOptions",
    "IngestedAudio",
    "LiveAudio",
    "RecordedPart",
    "Recording",
    "SpeechDetector",
    "Truncation",
    "check_free_space",
    "check_upload_name",
    "cut_audio",
    "decoded_duration_s",
    "encode_chunks_for_player",
    "encode_for_player",
    "encode_recording_for_player",
    "ingest_file",
    "player_partial",
    "probe_media",
    "read_manifest",
    "receive_upload",
    "record_stream",
    "select_audio",
    "timestamp_breaks",
    "validate_upload",
]
