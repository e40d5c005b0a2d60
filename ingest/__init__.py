"""ingest: probe and validate media, normalise to 16 kHz mono chunks, record live streams."""
