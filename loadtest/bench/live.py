#!/usr/bin/env python3
"""How fast a ticket event reaches an open dashboard, with STREAMS other live streams open.

Usage: live.py HTTP_URL TOKEN [COUNT] [RATE] [STREAMS]
Holds STREAMS idle `GET /live` streams (each read to its end, as a browser does), opens one more to
measure on, then creates COUNT tickets at RATE per second. For each: the time from sending the POST
to the first message naming it on the measured stream (streams coalesce changes every 250 ms), and that plus the dashboard's own refresh (`GET /lead`,
what the page does when an event arrives). Prints p50/p99/max of both in milliseconds."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

base, token = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 200
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 20
streams = int(sys.argv[5]) if len(sys.argv) > 5 else 0
url = urllib.parse.urlparse(base)
headers = {"Authorization": "Bearer " + token}
arrived = {}
lock = threading.Lock()
stop = threading.Event()


def stream(measure):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    connection.request("GET", "/live", headers=headers)
    response = connection.getresponse()
    assert response.status == 200, response.status
    while not stop.is_set():
        line = response.fp.readline()
        if not line:
            break
        if measure and line.startswith(b"data: "):
            change = json.loads(line[6:])
            now = time.monotonic()
            with lock:
                for ticket in change.get("tickets", []):
                    arrived.setdefault(ticket, now)


threads = [threading.Thread(target=stream, args=(False,), daemon=True) for _ in range(streams)]
threads.append(threading.Thread(target=stream, args=(True,), daemon=True))
for thread in threads:
    thread.start()
time.sleep(1)  # let the streams connect before the first ticket (a benchmark's warm-up, not synchronisation)

api = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
sent = {}
next_at = time.monotonic()
for i in range(count):
    next_at += 1 / rate
    body = json.dumps({"subject": "live probe %d" % i, "body": "probe", "requester": "live%d@example.com" % i})
    started = time.monotonic()
    api.request("POST", "/api/v1/tickets", body=body, headers=dict(headers, **{"Content-Type": "application/json"}))
    reply = api.getresponse()
    ticket = json.loads(reply.read())["id"]
    sent[ticket] = started
    time.sleep(max(0, next_at - time.monotonic()))

deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    with lock:
        if all(t in arrived for t in sent):
            break
    time.sleep(0.05)
page = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
fetches = []
for _ in range(50):
    started = time.monotonic()
    page.request("GET", "/lead", headers=headers)
    page.getresponse().read()
    fetches.append(time.monotonic() - started)
stop.set()

delays = sorted((arrived[t] - s) * 1000 for t, s in sent.items() if t in arrived)
fetches.sort()
missing = len(sent) - len(delays)


def pct(values, p):
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


fetch_p99 = pct(fetches, 0.99) * 1000
print("live: %d tickets at %g/s, %d other streams open; %d events missing" % (count, rate, streams, missing))
print("live: POST to event on the stream: p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (pct(delays, 0.5), pct(delays, 0.99), delays[-1] if delays else float("nan")))
print("live: dashboard refresh (GET /lead): p50 %.1f ms, p99 %.1f ms" % (pct(fetches, 0.5) * 1000, fetch_p99))
print("live: event to a refreshed dashboard, p99 bound: %.1f ms" % (pct(delays, 0.99) + fetch_p99))
