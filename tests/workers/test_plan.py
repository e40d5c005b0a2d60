"""Every runner follows the one plan: the Celery chain of a chunk runs the plan's chunk stages
in order, each as a task that marks the chunk with the stage's name, as the in-process runners
do."""

from __future__ import annotations

from kuvend.config import Settings
from workers import plan, tasks
from workers.celery_app import CHUNK_DONE, TASK_OF_CHUNK_STAGE, chunk_pipeline, create_app


def test_a_chunks_chain_runs_the_plans_chunk_stages_then_marks_it_done(settings: Settings) -> None:
    chain = chunk_pipeline(create_app(settings), "session", 4)
    expected = [TASK_OF_CHUNK_STAGE[stage.name] for stage in plan.CHUNK_STAGES] + [CHUNK_DONE]
    assert [signature.task for signature in chain.tasks] == expected
    assert all(signature.args == ("session", 4) for signature in chain.tasks)


def test_each_chunk_stage_task_marks_the_chunk_with_the_stages_name() -> None:
    assert [stage.name for stage in plan.CHUNK_STAGES] == ["transcribe", "diarize"]
    for stage in plan.CHUNK_STAGES:
        task = tasks.app.tasks[TASK_OF_CHUNK_STAGE[stage.name]]
        assert task.stage == stage.name and task.per_chunk
