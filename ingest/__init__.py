"""ingest: probe and validate media, normalise to 16 kHz mono chunks, record live streams."""

from ingest.chunks import cut_into_chunks, iter_chunks
from ingest.manifest import RecordedPart, Recording, read_manifest
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from ingest.player import encode_for_player, encode_recording_for_player
from ingest.probe import probe_media
from ingest.record import DiskFullError, check_free_space, record_stream
from ingest.upload import AcceptedUpload, check_upload_name, receive_upload, validate_upload

__all__ = [
    "SAMPLE_RATE_HZ",
    "AcceptedUpload",
    "DiskFullError",
    "IngestOptions",
    "RecordedPart",
    "Recording",
    "check_free_space",
    "check_upload_name",
    "cut_into_chunks",
    "encode_for_player",
    "encode_recording_for_player",
    "iter_chunks",
    "probe_media",
    "read_manifest",
    "receive_upload",
    "record_stream",
    "validate_upload",
]
