"""Speaking-time statistics over published minutes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

GroupBy = Literal["member", "party", "language", "assembly", "year", "month"]


class StatisticRow(BaseModel):
    key: str
    label: str | None = None
    speaking_time_s: float
    turns: int = Field(description="Turns (for language: segments' turns are not split)")
    sessions: int


class StatisticsPublic(BaseModel):
    group_by: GroupBy
    data: list[StatisticRow]
    count: int
