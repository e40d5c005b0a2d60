"""transcribe: faster-whisper over audio chunks, language per region among the assembly's
languages.
"""
