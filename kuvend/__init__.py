"""Kuvend core: domain types, settings, errors, storage and the command line.

The stages (``ingest``, ``transcribe``, ``diarize``, ``publish``, ``search_api``) build on
this package; this package imports none of them, except the command line, which sits on top.
"""

__version__ = "0.1.0"
