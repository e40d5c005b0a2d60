"""The espeak-ng voices tests and benchmarks speak with are the voices they name."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kuvend.errors import KuvendError
from kuvend.synthetic import speak, voice_variants


def test_a_variant_espeak_ng_does_not_have_is_refused(tmp_path: Path) -> None:
    # espeak-ng itself would speak "sq+Adam" with the default voice, as it does "sq".
    with pytest.raises(KuvendError, match=r"no voice variant 'Adam'.*case-sensitive"):
        speak("Mirëdita.", "sq+Adam", tmp_path / "adam.wav")
    assert not (tmp_path / "adam.wav").exists()
    with pytest.raises(KuvendError, match=r"cannot speak with voice 'xx\+adam': .*does not exist"):
        speak("Mirëdita.", "xx+adam", tmp_path / "xx.wav")


def test_named_variants_are_different_voices(tmp_path: Path) -> None:
    assert {"adam", "Storm", "m3"} <= voice_variants()
    digests = set()
    for voice in ("sq", "sq+adam", "sq+boris", "sq+Storm"):
        target = tmp_path / f"{voice}.wav"
        speak("Mirëdita.", voice, target)
        digests.add(hashlib.sha256(target.read_bytes()).hexdigest())
    assert len(digests) == 4
