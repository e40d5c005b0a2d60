"""Naming session speakers after enrolled members, by their voiceprints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from kuvend.domain import Embedding, Member

#: Cosine similarity a speaker's centroid must reach to be named after a member.
#: Calibrated in ``bench/diarization.py --calibrate`` on espeak-ng voices (see issue 4's note).
DEFAULT_IDENTIFY_THRESHOLD = 0.80


def identify_speakers(
    centroids: Mapping[str, Embedding],
    members: Sequence[Member],
    *,
    threshold: float = DEFAULT_IDENTIFY_THRESHOLD,
) -> dict[str, str]:
    """Session label -> member id, for speakers whose voice matches one enrolled member.

    Each member names at most one speaker and each speaker at most one member: the pairs are
    chosen together to maximise total similarity (a member who spoke twice as two speakers
    names the closer one; the other stays unnamed for the reviewer), and a pair below
    ``threshold`` is left unnamed rather than guessed.
    """
    enrolled = [member for member in members if member.voiceprint is not None]
    labels = list(centroids)
    if not enrolled or not labels:
        return {}
    speakers = np.stack([centroids[label] for label in labels])
    prints = np.stack([member.voiceprint for member in enrolled if member.voiceprint is not None])
    similarity = speakers @ prints.T
    rows, columns = linear_sum_assignment(-similarity)
    return {
        labels[row]: enrolled[column].id
        for row, column in zip(rows, columns, strict=True)
        if similarity[row, column] >= threshold
    }
