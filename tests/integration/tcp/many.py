#!/usr/bin/env python3
"""Many concurrent TCP echo streams against one server: N connections each send SIZE bytes of
pseudo-random data (one seed per connection) and read SIZE bytes back; every connection's echo
must have the same SHA-256 as what it sent. Exit 0 only when all N match.

  many.py HOST PORT [-c 200] [-s 1048576] [-t 170]
Prints one line: conns=N ok=N bytes_each=S seconds=T last_done=T MBps=R (each way, over the
connections that finished)."""
import argparse
import hashlib
import random
import selectors
import socket
import sys
import time

CHUNK = 65536


class Stream:
    def __init__(self, idx, size):
        rnd = random.Random(0x5EED0000 + idx)
        self.data = rnd.randbytes(size)
        self.sent = 0
        self.want = hashlib.sha256(self.data).hexdigest()
        self.got = hashlib.sha256()
        self.nread = 0
        self.sock = None
        self.error = None


def start(streams, host, port, sel):
    for s in streams:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        err = sock.connect_ex((host, port))
        if err not in (0, 115):               # 115: EINPROGRESS
            s.error = "connect: errno %d" % err
            sock.close()
            continue
        s.sock = sock
        sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, s)


def on_event(s, mask, size, sel):
    """Returns True when the stream is finished (all bytes back, or an error)."""
    try:
        if mask & selectors.EVENT_WRITE and s.sent < size:
            s.sent += s.sock.send(memoryview(s.data)[s.sent:s.sent + CHUNK])
            if s.sent == size:
                sel.modify(s.sock, selectors.EVENT_READ, s)
        if mask & selectors.EVENT_READ:
            b = s.sock.recv(CHUNK)
            if not b:
                s.error = "peer closed after %d of %d bytes" % (s.nread, size)
                return True
            s.got.update(b)
            s.nread += len(b)
            if s.nread > size:
                s.error = "%d bytes back, more than sent" % s.nread
                return True
            return s.nread == size
    except (BlockingIOError, InterruptedError):
        pass
    except OSError as e:
        s.error = str(e)
        return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("-c", type=int, default=200)
    ap.add_argument("-s", type=int, default=1 << 20)
    ap.add_argument("-t", type=float, default=170.0)
    a = ap.parse_args()
    streams = [Stream(i, a.s) for i in range(a.c)]
    sel = selectors.DefaultSelector()
    t0 = time.monotonic()
    start(streams, a.host, a.port, sel)
    live = sum(1 for s in streams if s.sock)
    last_done = t0
    while live and time.monotonic() - t0 < a.t:
        for key, mask in sel.select(1.0):
            s = key.data
            if on_event(s, mask, a.s, sel):
                sel.unregister(s.sock)
                s.sock.close()
                live -= 1
                last_done = time.monotonic()
    secs = time.monotonic() - t0
    ok = 0
    for i, s in enumerate(streams):
        if s.error is None and s.nread == a.s and s.got.hexdigest() == s.want:
            ok += 1
        elif s.error is None and s.nread == a.s:
            print("conn %d: sha256 differs" % i, file=sys.stderr)
        else:
            why = s.error or "timed out at %d/%d sent, %d back" % (s.sent, a.s, s.nread)
            print("conn %d: %s" % (i, why), file=sys.stderr)
    done = last_done - t0
    print("conns=%d ok=%d bytes_each=%d seconds=%.2f last_done=%.2f MBps=%.2f"
          % (a.c, ok, a.s, secs, done, ok * a.s / done / 1e6 if ok and done > 0 else 0.0))
    return 0 if ok == a.c else 1


if __name__ == "__main__":
    sys.exit(main())
