#!/usr/bin/env python3
"""Soak: a real server under an hours-long mixed load, its resources printed every minute.

usage: bench/soak.py [--binary build/app/brandledger] [--minutes 60] [--interval 60]
                     [--writers 8] [--readers 8] [--streams 4] [--slow 4]

Not a CI test: it runs as long as you ask. The load, all over loopback HTTP:
  writers   durable commands (POST /v1/brands/{id}/progress), each with an Idempotency-Key
  readers   the brand, the brand list, the audit trail, a report, a brand's history
  streams   Server-Sent Events clients that connect, read for a few seconds and leave
  slow      clients that dribble a request's header a byte at a time, or connect and say
            nothing, until the server's header deadline closes them
Each interval it prints the server's RSS (heap and mapped data apart), open descriptors and
threads, and the interval's
commands, reads, p50/p99 latencies, SSE connections and slow clients cut off. At the end it
compares the last quarter with the first (after a warm-up interval): RSS, descriptors and
p99 should stay flat. Python 3 standard library only.
"""

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ADMIN = "soak-admin-token-0123456789abcdef"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.commands, self.reads, self.errors = [], [], 0
        self.streams = self.slow_cut = 0

    def add(self, kind, seconds):
        with self.lock:
            getattr(self, kind).append(seconds)

    def count(self, name):
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)

    def take(self):
        with self.lock:
            out = (self.commands, self.reads, self.errors, self.streams, self.slow_cut)
            self.reset()
            return out


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


class Client:
    """One keep-alive connection with a token."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                h = {"Authorization": "Bearer " + self.token}
                if body is not None:
                    h["Content-Type"] = "application/json"
                    body = json.dumps(body, ensure_ascii=False).encode()
                h.update(headers or {})
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data
            except (ConnectionError, http.client.HTTPException, socket.timeout):
                self.conn = None  # the server closed an idle connection: once more
                if attempt:
                    raise


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def allocator_gauges(port):
    """The server's allocator gauges from /metrics (MiB), when it links tcmalloc: the bytes
    the program holds apart from those the allocator caches, which heap RSS lumps together."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    gauges = {}
    for line in text.splitlines():
        m = re.match(r"brandledger_heap_(\w+)_bytes (\d+)$", line)
        if m:
            gauges[m.group(1)] = int(m.group(2)) / (1 << 20)
    cached = sum(gauges.get(k, 0.0) for k in ("pageheap_free", "thread_cache",
                                               "central_cache_free"))
    return gauges.get("allocated", float("nan")), cached


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/app/brandledger")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--interval", type=float, default=60, help="seconds between reports")
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--streams", type=int, default=4)
    ap.add_argument("--slow", type=int, default=4)
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="brandledger-soak-")
    env = dict(os.environ, BRANDLEDGER_BOOTSTRAP_TOKEN=ADMIN)
    log = open(os.path.join(data, "server.log"), "w")
    server = subprocess.Popen([args.binary, "serve", "--data", os.path.join(data, "data"),
                               "--listen", "127.0.0.1:0", "--log-format", "json"],
                              stdout=subprocess.PIPE, stderr=log, env=env, text=True)
    port = None
    for line in server.stdout:
        if line.startswith("listening on "):
            port = int(line.rsplit(":", 1)[1])
            break
    if port is None:
        sys.exit("the server did not start; see " + log.name)

    admin = Client(port, ADMIN)
    admin.call("POST", "/v1/orgs", {"id": "wc", "name": "机关工委", "kind": "committee"})
    admin.call("POST", "/v1/orgs", {"id": "u1", "name": "第一单位", "kind": "unit", "parent": "wc"})
    tokens, brands = {}, []
    for name, role, org in (("committee", "committee", "wc"), ("unit", "unit", "u1"),
                            ("auditor", "auditor", "wc")):
        s, b = admin.call("POST", "/v1/users", {"id": name, "name": name, "role": role, "org": org})
        tokens[name] = json.loads(b)["token"]
    for i in range(args.writers + 1):  # the last brand is only read: its history stays put
        org = "b%d" % i
        admin.call("POST", "/v1/orgs", {"id": org, "name": "第%d党支部" % i, "kind": "branch",
                                        "parent": "u1", "org_type": "党支部"})
        s, b = admin.call("POST", "/v1/users", {"id": org, "name": org, "role": "branch", "org": org})
        token = json.loads(b)["token"]
        c = Client(port, token)
        s, b = c.call("POST", "/v1/brands", {"name": "品牌%d" % i, "slogan": "口号", "theme": "主题",
                                              "connotation": "内涵", "features": "特色",
                                              "effects": "效果", "business_link": "业务"})
        brand = json.loads(b)["id"]
        c.call("POST", "/v1/brands/%s/submit" % brand, {})
        Client(port, tokens["unit"]).call("POST", "/v1/brands/%s/approve" % brand, {"comment": "同意"})
        Client(port, tokens["committee"]).call("POST", "/v1/brands/%s/file" % brand,
                                               {"comment": "予以备案"})
        brands.append((token, brand))
    quiet_brand = brands.pop()[1]

    stats = Stats()
    stop = threading.Event()

    def writer(token, brand):
        c, n = Client(port, token), 0
        while not stop.is_set():
            n += 1
            t = time.monotonic()
            try:
                s, _ = c.call("POST", "/v1/brands/%s/progress" % brand,
                              {"year": 2026, "summary": "第%d次进展：开展主题党日活动" % n},
                              {"Idempotency-Key": "soak-%s-%d" % (brand, n)})
                stats.add("commands", time.monotonic() - t) if s < 300 else stats.count("errors")
            except Exception:
                stats.count("errors")

    def reader(i):
        c = Client(port, tokens["committee"] if i % 2 else tokens["auditor"])
        paths = ["/v1/brands/%s" % brands[0][1], "/v1/brands?limit=20", "/v1/audit?limit=20",
                 "/v1/reports/coverage", "/v1/brands/%s/history" % quiet_brand]
        while not stop.is_set():
            t = time.monotonic()
            try:
                s, _ = c.call("GET", random.choice(paths))
                stats.add("reads", time.monotonic() - t) if s < 300 else stats.count("errors")
            except Exception:
                stats.count("errors")

    def streamer(i):
        # As a browser's EventSource: reads a while, leaves, comes back with Last-Event-ID
        # (the last id it saw), so each visit carries on where the previous one stopped.
        last = 0
        while not stop.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                sock.sendall(("GET /v1/events/stream HTTP/1.1\r\nHost: x\r\n"
                              "Authorization: Bearer %s\r\nLast-Event-ID: %d\r\n\r\n" %
                              (tokens["auditor"], last)).encode())
                until = time.monotonic() + random.uniform(1, 8)
                sock.settimeout(1)
                tail = b""
                while time.monotonic() < until and not stop.is_set():
                    try:
                        chunk = sock.recv(65536)
                    except socket.timeout:
                        continue
                    if not chunk:
                        break
                    text = tail + chunk
                    ids = re.findall(rb"\nid: (\d+)\n", text)
                    if ids:
                        last = max(last, int(ids[-1]))
                    tail = text[-64:]
                sock.close()
                stats.count("streams")
            except OSError:
                stats.count("errors")

    def slow(i):
        # Counted when the server ends the connection (EOF or reset): its header and idle
        # deadlines, not the client, must free the slot.
        while not stop.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=120)
            except OSError:
                stats.count("errors")
                continue
            try:
                if i % 2:  # a header a byte at a time, never finished
                    for ch in b"GET /v1/brands HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"x" * 1000:
                        sock.sendall(bytes([ch]))
                        time.sleep(0.5)
                while sock.recv(4096):  # or connects and says nothing
                    pass
                stats.count("slow_cut")
            except socket.timeout:
                stats.count("errors")  # the server never closed it
            except OSError:
                stats.count("slow_cut")
            finally:
                sock.close()

    threads = [threading.Thread(target=writer, args=b, daemon=True) for b in brands]
    threads += [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(args.readers)]
    threads += [threading.Thread(target=streamer, args=(i,), daemon=True) for i in range(args.streams)]
    threads += [threading.Thread(target=slow, args=(i,), daemon=True) for i in range(args.slow)]
    for t in threads:
        t.start()

    print("soak: server pid %d, data %s, %d writers, %d readers, %d SSE clients, %d slow "
          "clients, %.0f minutes, a line every %.0f s" % (server.pid, data, args.writers,
                                                           args.readers, args.streams, args.slow,
                                                           args.minutes, args.interval))
    # RSS in two parts: the heap's (anonymous) must stay flat; the mapped data file's grows
    # with the data, as the page cache does.
    # "held" is what the program's objects occupy, "cached" what tcmalloc keeps free for
    # reuse (both from /metrics; nan without tcmalloc).
    print("%6s %9s %8s %8s %8s %8s %8s %8s %8s %8s %5s %4s %6s %5s %6s" % (
        "min", "commands", "cmd p50", "cmd p99", "reads", "read p99", "anon MiB", "held MiB",
        "cache MiB", "file MiB", "fds", "thr", "SSE", "slow", "errors"))
    rows = []
    start = time.monotonic()
    end = start + args.minutes * 60
    while time.monotonic() < end and server.poll() is None:
        time.sleep(min(args.interval, max(0.0, end - time.monotonic())))
        commands, reads, errors, streams, slow_cut = stats.take()
        st = proc_status(server.pid)
        anon = int(st["RssAnon"].split()[0]) / 1024
        mapped = int(st["RssFile"].split()[0]) / 1024
        held, cached = allocator_gauges(port)
        fds = len(os.listdir("/proc/%d/fd" % server.pid))
        row = ((time.monotonic() - start) / 60, len(commands), percentile(commands, 0.5),
               percentile(commands, 0.99), len(reads), percentile(reads, 0.99), anon, held, cached,
               mapped, fds,
               int(st["Threads"]), streams, slow_cut, errors)
        rows.append(row)
        print("%6.1f %9d %8.2f %8.2f %8d %8.2f %8.1f %8.1f %8.1f %8.1f %5d %4d %6d %5d %6d" % row,
              flush=True)
    stop.set()
    alive = server.poll() is None
    server.terminate()
    server.wait(30)
    if not alive:
        sys.exit("the server exited during the soak; see " + log.name)
    if len(rows) >= 5:
        q = max(1, (len(rows) - 1) // 4)
        first, last = rows[1:1 + q], rows[-q:]  # the first interval is the warm-up

        def mean(rs, i):
            return sum(r[i] for r in rs) / len(rs)
        print("first quarter vs last: heap RSS %.1f -> %.1f MiB (held %.1f -> %.1f), "
              "descriptors %.0f -> %.0f, command p99 %.2f -> %.2f ms, read p99 %.2f -> %.2f ms" % (
                  mean(first, 6), mean(last, 6), mean(first, 7), mean(last, 7), mean(first, 10),
                  mean(last, 10), mean(first, 3), mean(last, 3), mean(first, 5), mean(last, 5)))
    subprocess.run(["rm", "-rf", data])


if __name__ == "__main__":
    main()
