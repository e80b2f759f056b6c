"""Peer baseline (b): Celery on Redis.

The same flow as Desk's side of loadtest/peers/run.sh: COUNT tasks of BYTES payload, a prefork worker
of WORKERS processes whose task does no work. Redis runs with appendfsync always, so a queued task and a
recorded completion are on disk when Redis answers; the task is acknowledged late (after it ran), so a
worker that dies does not lose it, and the worker takes one task at a time (prefetch 1).

  python3 celery_queue.py --redis redis://127.0.0.1:PORT/0 --count 20000 --bytes 512 --workers 8
  python3 celery_queue.py --redis ... --count 6000 --bytes 512 --workers 8 --rate 200

Prints one JSON line, as pg_queue.py does. The module is also the Celery app (`celery -A celery_queue`).
"""
import multiprocessing
import os
import subprocess
import sys
import time

import peer_flow
import redis
from celery import Celery

BROKER = os.environ.get("PEER_REDIS", "redis://127.0.0.1:6379/0")
app = Celery("celery_queue", broker=BROKER)
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, task_ignore_result=True,
                broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)
_store = None


@app.task(name="peer.handle")
def handle(job_id, created, payload):
    global _store
    started = time.time()
    if _store is None:
        _store = redis.Redis.from_url(BROKER)
    # No work: record the completion (durable with appendfsync always).
    _store.hset("peer:done", job_id, f"{created},{started},{time.time()}")


def produce(url, first, count, size, rate, start_at):
    app.conf.broker_url = url  # a fresh process (spawned, not forked: a forked broker connection is shared)
    payload = "x" * size
    for n in range(count):
        if rate:
            delay = start_at + n / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        handle.apply_async(args=(first + n, time.time(), payload))


def main():
    args = peer_flow.arguments("--redis", "redis:// URL of the broker")
    app.conf.broker_url = args.redis

    store = redis.Redis.from_url(args.redis)
    store.flushdb()
    env = dict(os.environ, PEER_REDIS=args.redis)
    here = os.path.dirname(os.path.abspath(__file__))
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "celery_queue", "worker", "--pool", "prefork",
                               "--concurrency", str(args.workers), "--loglevel", "WARNING", "--without-gossip",
                               "--without-mingle", "--without-heartbeat"], cwd=here, env=env,
                              stdout=subprocess.DEVNULL)  # its banner; this script's stdout is the result line
    try:
        deadline = time.time() + 60
        while time.time() < deadline:  # the worker is up when it answers a ping
            if app.control.ping(timeout=0.5):
                break
        producers = 1 if args.rate else args.producers
        share = [args.count // producers + (1 if i < args.count % producers else 0) for i in range(producers)]
        start_at = time.time() + 0.1
        first = 0
        senders = []
        spawn = multiprocessing.get_context("spawn")
        for n in share:
            senders.append(spawn.Process(target=produce, args=(args.redis, first, n, args.bytes,
                                                                         args.rate / producers if args.rate else 0, start_at)))
            first += n
        for process in senders:
            process.start()
        deadline = time.time() + args.timeout
        while time.time() < deadline and store.hlen("peer:done") < args.count:
            time.sleep(0.2)
        for process in senders:
            process.join()
        rows = [tuple(float(x) for x in v.decode().split(",")) for v in store.hvals("peer:done")]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(peer_flow.result_line("celery-redis", args.count, rows))


if __name__ == "__main__":
    main()
