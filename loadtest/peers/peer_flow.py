"""What both peer scripts share: the command line of the flow, and the result line from the rows."""
import argparse
import json


def arguments(server_flag, server_help):
    parser = argparse.ArgumentParser()
    parser.add_argument(server_flag, required=True, help=server_help)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--bytes", type=int, default=512)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100, help="rows per insert transaction (PostgreSQL only)")
    parser.add_argument("--rate", type=float, default=0, help="paced tickets/s; 0 = as fast as the producers go")
    parser.add_argument("--timeout", type=float, default=300)
    return parser.parse_args()


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def result_line(system, count, rows):
    """rows: (created, claimed, done) in seconds since the epoch, one per completed ticket."""
    latencies = [(claimed - created) * 1000 for created, claimed, _ in rows]
    span = (max(r[2] for r in rows) - min(r[0] for r in rows)) if rows else 0
    return json.dumps({
        "system": system, "count": count, "done": len(rows),
        "throughput": round(len(rows) / span, 1) if span > 0 else 0,
        "dispatch_ms": {"p50": round(percentile(latencies, 50), 2), "p90": round(percentile(latencies, 90), 2),
                        "p99": round(percentile(latencies, 99), 2), "max": round(max(latencies, default=0), 2)},
    })
