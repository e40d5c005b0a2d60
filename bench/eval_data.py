"""Where the benchmarks read real speech and text: ``../shared/eval`` beside the checkout, or
the folder ``KUVEND_EVAL_DIR`` names (read from there, never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path

EVAL = Path(
    os.environ.get("KUVEND_EVAL_DIR", Path(__file__).resolve().parents[2] / "shared" / "eval")
)
