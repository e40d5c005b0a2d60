"""``GET /statistics``: speaking time per member, party, language, assembly or period."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from search_api import crud
from search_api.deps import SessionDep
from search_api.schemas.statistics import GroupBy, StatisticRow, StatisticsPublic

router = APIRouter(tags=["statistics"])


@router.get("/statistics", summary="Who spoke, how long, in which language")
def statistics(
    session: SessionDep,
    group_by: GroupBy = "member",
    assembly: Annotated[str | None, Query(max_length=64)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> StatisticsPublic:
    """Totals over the latest published version of every session in the range."""
    rows = crud.speaking_statistics(
        session=session,
        group_by=group_by,
        assembly=assembly,
        date_from=date_from,
        date_to=date_to,
    )
    data = [
        StatisticRow(key=key, label=label, speaking_time_s=seconds, turns=turns, sessions=n)
        for key, label, seconds, turns, n in rows
    ]
    return StatisticsPublic(group_by=group_by, data=data, count=len(data))
