"""`watchbot worker`: run the engine's worker on the reading queue, on any number of machines.

Each worker sends a heartbeat every third of `stalled_after` seconds. A worker killed mid-document stops
sending it; after `stalled_after` seconds any worker hands its running job back to the queue (Procrastinate's
stalled jobs: `get_stalled_jobs`, `retry_job`), and the job's lock keeps it from being read by two workers
at once. SIGTERM and SIGINT stop the worker once its running jobs have finished.
"""

from __future__ import annotations

import asyncio
import logging

from watchbot.core.settings import Config
from watchbot.match.rules import Ruleset
from watchbot.queue import QUEUE, open_engine
from watchbot.queue.reading import BackfillReader, register

log = logging.getLogger("watchbot")
STALLED_AFTER = 30.0  # seconds without a heartbeat


def work(config: Config, ruleset: Ruleset, *, concurrency: int = 1, stalled_after: float = STALLED_AFTER) -> None:
    """Read the queued documents until stopped."""
    app, sessions = open_engine(config)
    register(app, BackfillReader(config, ruleset, sessions))
    asyncio.run(_work(app, concurrency, stalled_after))


async def _work(app, concurrency: int, stalled_after: float) -> None:
    async with app.open_async():
        recovery = asyncio.create_task(retry_stalled(app, stalled_after))
        try:
            await app.run_worker_async(queues=[QUEUE], concurrency=concurrency, name="watchbot",
                                       update_heartbeat_interval=stalled_after / 3,
                                       stalled_worker_timeout=stalled_after)
        finally:
            recovery.cancel()


async def retry_stalled(app, stalled_after: float) -> None:
    """Put the jobs of workers silent for `stalled_after` seconds back in the queue, every half of that."""
    from procrastinate.exceptions import ConnectorException

    while True:
        for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after):
            try:
                await app.job_manager.retry_job(job)
            except ConnectorException:  # another worker put it back first
                continue
            log.warning("job %s (%s) of a silent worker is back in the queue", job.id, job.call_string)
        await asyncio.sleep(stalled_after / 2)
