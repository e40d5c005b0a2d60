"""Hand-built sessions for the publish tests: no models, exact times and speakers."""

from __future__ import annotations

from datetime import date

from kuvend.domain import Gap, Member, Segment, SessionInfo, Word
from kuvend.minutes import Minutes
from publish import build_minutes

SESSION = SessionInfo(
    id="prishtina-2024-03-14",
    assembly="prishtina",
    title="Seanca e rregullt e Kuvendit Komunal",
    date=date(2024, 3, 14),
    languages=("sq", "sr"),
    gaps=(Gap(40.0, 42.0, "stream dropped"),),
)

ANA = Member(id="m-ana", assembly="prishtina", name="Ana Kelmendi", party="LDK", role="chair")
MARKO = Member(id="m-marko", assembly="prishtina", name="Marko Jovanović", party="Srpska lista")
DRITA = Member(id="m-drita", assembly="prishtina", name="Drita Berisha", party="VV")


def words_of(text: str, start: float, end: float, p: float = 0.9) -> tuple[Word, ...]:
    """Evenly spaced words over [start, end]; words in capitals are flagged as doubtful."""
    tokens = text.split()
    step = (end - start) / max(1, len(tokens))
    return tuple(
        Word(start + i * step, start + (i + 1) * step, token, p, token.isupper())
        for i, token in enumerate(tokens)
    )


def segment(
    start: float, end: float, speaker: str | None, text: str, language: str = "sq"
) -> Segment:
    """A recognised segment with evenly spaced words."""
    return Segment(
        start_s=start,
        end_s=end,
        text=text,
        language=language,
        language_probability=0.97,
        words=words_of(text, start, end),
        speaker=speaker,
    )


#: S1 (Ana) opens, S2 (Marko) answers in Serbian, S1 again (two segments), S3 unnamed, S2.
SEGMENTS = (
    segment(0.0, 6.5, "S1", "Mirëdita, e hap seancën e Kuvendit Komunal."),
    segment(7.0, 15.25, "S2", "Hvala predsedavajuća, imam pitanje o budžetu.", "sr"),
    segment(15.5, 20.0, "S1", "Faleminderit, vazhdojmë me pikën e parë."),
    segment(20.2, 30.0, "S1", "Pika e parë është buxheti i vitit të ardhshëm."),
    segment(30.5, 38.0, "S3", "Kam një propozim për rrugët në fshat."),
    segment(43.0, 50.0, "S2", "Srpska zajednica traži prevod svih dokumenata.", "sr"),
)

SPEAKERS: dict[str, Member | None] = {"S1": ANA, "S2": MARKO, "S3": None}


def sample_minutes(*segments: Segment, status: str = "draft") -> Minutes:
    """The sample session's minutes (or minutes of the given segments)."""
    return build_minutes(
        SESSION,
        segments or SEGMENTS,
        speakers=SPEAKERS,
        duration_s=52.0,
        status="published" if status == "published" else "draft",
        generator="tests",
    )
