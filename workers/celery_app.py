"""The Celery application: Redis broker, two queues, and the plan (``workers.plan``) as tasks.

Each stage of the plan is one task; a chunk's chain follows the plan's chunk stages::

    ingest_session (cpu) ─┬─ transcribe_chunk (gpu) ─► diarize_chunk (gpu) ─► chunk_done (cpu)
                          ├─ … one chain per chunk …                                │
                          └─ transcribe_chunk (gpu) ─► diarize_chunk (gpu) ─► chunk_done (cpu)
                                                                                    ▼
                                            finalize_session (cpu), once every chunk is done

The session's last step is triggered by a counter in the database (``chunk_done`` checks that
every chunk is done), not by a chord: no result backend, and no task ever waits on another.

Delivery: a task is acknowledged only once it has finished (``acks_late``, prefetch 1), and
requeued if its worker process dies (``reject_on_worker_lost``); every step stores its result
keyed by session, chunk, step and options, so running it twice repeats no work and duplicates
nothing. Redis redelivers an unacknowledged task after ``queue_visibility_timeout_s`` (longer
than any task). ``celery -A workers.celery_app worker -Q gpu`` (or ``kuvend worker``) runs it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, chain, signals
from celery.canvas import Signature

from kuvend.config import Settings, get_settings

log = logging.getLogger(__name__)

INGEST = "workers.tasks.ingest_session"
TRANSCRIBE = "workers.tasks.transcribe_chunk"
DIARIZE = "workers.tasks.diarize_chunk"
CHUNK_DONE = "workers.tasks.chunk_done"
FINALIZE = "workers.tasks.finalize_session"

#: The task that runs each of the plan's chunk stages (``workers.plan.CHUNK_STAGES``), by name.
TASK_OF_CHUNK_STAGE = {"transcribe": TRANSCRIBE, "diarize": DIARIZE}

#: Which queue each task goes to: the models' work to ``gpu``, the rest to ``cpu``.
QUEUE_OF_TASK = {
    INGEST: "cpu",
    TRANSCRIBE: "gpu",
    DIARIZE: "gpu",
    CHUNK_DONE: "cpu",
    FINALIZE: "cpu",
}
QUEUES = ("gpu", "cpu")

# A publish (the next link of a chain, a retry) waits this long for Redis to come back
# (about two minutes) before giving up; the default gives up within a second.
_PUBLISH_RETRY_POLICY = {
    "max_retries": 30,
    "interval_start": 0.5,
    "interval_step": 1.0,
    "interval_max": 5.0,
}


def create_app(settings: Settings) -> Celery:
    """A Celery application on ``settings.redis_url`` with Kuvend's queues and delivery rules."""
    app = Celery("kuvend", broker=settings.redis_url, include=["workers.tasks"])
    app.conf.update(
        task_default_queue="cpu",
        task_routes={name: {"queue": queue} for name, queue in QUEUE_OF_TASK.items()},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,  # states live in the database; no result backend
        task_serializer="json",
        accept_content=["json"],
        task_publish_retry_policy=_PUBLISH_RETRY_POLICY,
        broker_transport_options={"visibility_timeout": settings.queue_visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # keep reconnecting while Redis restarts
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
    )
    return app


def chunk_pipeline(app: Celery, session_id: str, chunk_index: int) -> Signature:
    """The chain one chunk goes through: the plan's chunk stages in order, then mark it done."""
    # Here, not at the top: the plan imports the steps and their models' libraries, which a
    # process that only submits sessions does not need; the ingest task calling this has them.
    from workers.plan import CHUNK_STAGES

    args = (session_id, chunk_index)
    return chain(
        *(
            app.signature(TASK_OF_CHUNK_STAGE[stage.name], args=args, immutable=True)
            for stage in CHUNK_STAGES
        ),
        app.signature(CHUNK_DONE, args=args, immutable=True),
    )


def session_pipeline(app: Celery, session_id: str) -> Signature:
    """The first task of a session; it fans out the chunks' chains when it has cut them."""
    return app.signature(INGEST, args=(session_id,), immutable=True)


def finalize_signature(app: Celery, session_id: str) -> Signature:
    """The session's last step (speakers, attribution, statistics, draft, index)."""
    return app.signature(FINALIZE, args=(session_id,), immutable=True)


#: What ``celery -A workers.celery_app`` runs: configured from ``KUVEND_*`` variables.
app = create_app(get_settings())

_consumed_queues: set[str] = set()


@signals.celeryd_after_setup.connect  # type: ignore[untyped-decorator]
def _remember_queues(sender: str, instance: Any, **_: Any) -> None:
    # Runs in the worker's main process before the pool forks; children inherit the set.
    _consumed_queues.update(instance.app.amqp.queues.consume_from or QUEUES)


@signals.worker_process_init.connect  # type: ignore[untyped-decorator]
def _load_models(**_: Any) -> None:
    # After the fork, never before: CTranslate2 and torch do not survive a fork, and each pool
    # process needs its own copy. Only workers of the gpu queue use the models.
    if "gpu" not in _consumed_queues:
        return
    from workers.engines import load_engines  # heavy (models, torch): only where the models run

    engines = load_engines(get_settings()).warm()
    log.info("worker process ready with %s", engines.whisper_name)
