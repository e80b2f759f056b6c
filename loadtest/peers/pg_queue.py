"""Peer baseline (a): a PostgreSQL job queue claimed with SELECT ... FOR UPDATE SKIP LOCKED.

The same flow as Desk's side of loadtest/peers/run.sh: COUNT jobs of BYTES payload, WORKERS worker
processes that do no work. A worker claims one job and records its completion in the same transaction
(synchronous_commit on, fsync on: durable when COMMIT returns), then claims the next. An idle worker
waits on LISTEN/NOTIFY (the producer notifies in its insert's transaction), with a 1 s poll as a
safety net, so the paced run measures the queue rather than a poll interval.

  python3 pg_queue.py --dsn DSN --count 20000 --bytes 512 --workers 8              # throughput
  python3 pg_queue.py --dsn DSN --count 6000 --bytes 512 --workers 8 --rate 200    # paced

Prints one JSON line: count, done, throughput (jobs/s, first enqueue to last completion) and the
dispatch latency percentiles in ms (enqueue to claim).
"""
import multiprocessing
import select
import time

import peer_flow

import psycopg

SCHEMA = """
DROP TABLE IF EXISTS jobs;
CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    payload text NOT NULL,
    state text NOT NULL DEFAULT 'queued',
    created_at double precision NOT NULL,
    claimed_at double precision,
    done_at double precision
);
CREATE INDEX jobs_queued ON jobs (id) WHERE state = 'queued';
"""

CLAIM = """
SELECT id FROM jobs WHERE state = 'queued' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1
"""


def worker(dsn, stop):
    with psycopg.connect(dsn, autocommit=True) as listener, psycopg.connect(dsn) as conn:
        listener.execute("LISTEN jobs")
        while not stop.is_set():
            with conn.transaction():
                row = conn.execute(CLAIM).fetchone()
                if row is not None:
                    claimed = time.time()
                    # No work: record the completion, durable at COMMIT.
                    conn.execute("UPDATE jobs SET state = 'done', claimed_at = %s, done_at = %s WHERE id = %s",
                                 (claimed, time.time(), row[0]))
            if row is None:
                select.select([listener.fileno()], [], [], 1.0)
                for _ in listener.notifies(timeout=0):
                    pass


def produce(dsn, count, size, rate, batch, start_at):
    payload = "x" * size
    with psycopg.connect(dsn) as conn:
        sent = 0
        while sent < count:
            n = 1 if rate else min(batch, count - sent)
            if rate:
                due = start_at + sent / rate
                delay = due - time.time()
                if delay > 0:
                    time.sleep(delay)
            with conn.transaction():
                now = time.time()
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO jobs (payload, created_at) VALUES (%s, %s)", [(payload, now)] * n)
                conn.execute("NOTIFY jobs")
            sent += n


def main():
    args = peer_flow.arguments("--dsn", "libpq connection string")

    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=worker, args=(args.dsn, stop)) for _ in range(args.workers)]
    for process in workers:
        process.start()
    time.sleep(1)  # let the workers connect and LISTEN before the first job
    producers = 1 if args.rate else args.producers
    share = [args.count // producers + (1 if i < args.count % producers else 0) for i in range(producers)]
    start_at = time.time() + 0.1
    senders = [multiprocessing.Process(target=produce, args=(args.dsn, n, args.bytes, args.rate / producers if args.rate else 0,
                                                             args.batch, start_at)) for n in share]
    for process in senders:
        process.start()
    deadline = time.time() + args.timeout
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        while time.time() < deadline:
            done = conn.execute("SELECT count(*) FROM jobs WHERE state = 'done'").fetchone()[0]
            if done >= args.count:
                break
            time.sleep(0.2)
        rows = conn.execute("SELECT created_at, claimed_at, done_at FROM jobs WHERE state = 'done'").fetchall()
    for process in senders:
        process.join()
    stop.set()
    for process in workers:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
    print(peer_flow.result_line("postgresql-skip-locked", args.count, rows))


if __name__ == "__main__":
    main()
