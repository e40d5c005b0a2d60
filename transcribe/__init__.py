"""transcribe: faster-whisper over audio chunks, language per region among the assembly's
languages.

``load_whisper(model_dir, device=..., compute_type=..., cpu_threads=...)`` loads the model once
per process; ``transcribe_chunk(engine, chunk, options, context=..., hook=...)`` yields the
chunk's segments on the session clock; ``transcribe_chunks`` does a whole session's chunks
with nothing lost or doubled at the edges.
"""

import os

# Before faster_whisper (and huggingface_hub) are imported: weights never come from a hub.
os.environ["HF_HUB_OFFLINE"] = "1"

from transcribe.edges import ChunkContext, hands_over
from transcribe.engine import WhisperEngine, load_whisper
from transcribe.language import LanguageChoice, choose_language
from transcribe.options import SERBIAN_GROUP, TranscribeOptions
from transcribe.pipeline import transcribe_chunk, transcribe_chunks
from transcribe.streaming import CaptionUpdate, CaptionWord, StreamingDecoder, StreamOptions

__all__ = [
    "SERBIAN_GROUP",
    "CaptionUpdate",
    "CaptionWord",
    "ChunkContext",
    "LanguageChoice",
    "StreamOptions",
    "StreamingDecoder",
    "TranscribeOptions",
    "WhisperEngine",
    "choose_language",
    "hands_over",
    "load_whisper",
    "transcribe_chunk",
    "transcribe_chunks",
]
