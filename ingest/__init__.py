"""ingest: probe and validate media, normalise to 16 kHz mono chunks, record live streams."""

from ingest.chunks import cut_into_chunks, iter_chunks
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from ingest.player import encode_for_player
from ingest.probe import probe_media

__all__ = [
    "SAMPLE_RATE_HZ",
    "IngestOptions",
    "cut_into_chunks",
    "encode_for_player",
    "iter_chunks",
    "probe_media",
]
