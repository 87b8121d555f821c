#!/usr/bin/env python3
"""Load balancer connection probes for test_lb.sh.
  probe.py halfclose HOST PORT   request, then FIN (shutdown write); prints the reply body
                                 once the server's FIN arrives through the proxy
  probe.py leastconn HOST PORT   hold 2 idle connections, then 30 requests one at a time;
                                 prints the servers that answered with their counts
  probe.py reset HOST PORT       start a download of /big.bin, read 64 KiB, then reset the
                                 connection (SO_LINGER 0); prints the bytes read
  probe.py maxconn HOST PORT K   hold K connections, check the K+1th is reset, free one,
                                 check a new one works; prints "held K refused R reused ok|fail"
  probe.py idle HOST PORT        connect and send nothing; prints "closed after S s" (S to
                                 0.1 s) when the proxy ends it, "open after 20 s" otherwise
  probe.py stall HOST PORT       send a request, then wait; the same output as idle
  probe.py trickle HOST PORT GAP send a short request one byte every GAP seconds; prints
                                 the reply's status line and body
"""
import socket
import struct
import sys
import time

REQ = b"GET /id HTTP/1.0\r\nHost: lb\r\n\r\n"


def read_all(s):
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk


def halfclose(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(REQ)
    s.shutdown(socket.SHUT_WR)
    data = read_all(s)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    print(head.split(b"\r\n")[0].decode(), body.decode().strip())


def refused(host, port):
    """True when the proxy resets the connection right after the handshake. The reset can
    reach the host before connect() returns to this thread (a busy host): Linux then fails
    the connect itself with ECONNRESET, which is the same refusal."""
    try:
        s = socket.create_connection((host, port), timeout=5)
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    try:
        s.sendall(REQ)
        return read_all(s) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    finally:
        s.close()


def works(host, port):
    s = socket.create_connection((host, port), timeout=5)
    try:
        s.sendall(REQ)
        return read_all(s).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        s.close()


def leastconn(host, port):
    held = [socket.create_connection((host, port), timeout=5) for _ in range(2)]
    time.sleep(0.5)                  # both pairs connected: two servers have one each
    counts = {}
    for _ in range(30):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(REQ)
        body = read_all(s).partition(b"\r\n\r\n")[2].decode().strip()
        s.close()
        counts[body] = counts.get(body, 0) + 1
        time.sleep(0.05)             # the proxy frees the pair before the next one
    for s in held:
        s.close()
    print(" ".join("%s %d" % (k, counts[k]) for k in sorted(counts)))


def reset(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"GET /big.bin HTTP/1.0\r\nHost: lb\r\n\r\n")
    got = 0
    while got < 65536:
        chunk = s.recv(65536 - got)
        if not chunk:
            break
        got += len(chunk)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                        # RST, with the rest of the file still on its way
    print(got)


def maxconn(host, port, k):
    held = [socket.create_connection((host, port), timeout=5) for _ in range(k)]
    time.sleep(0.5)                  # let every pair reach its server
    nref = sum(refused(host, port) for _ in range(3))
    held.pop().close()
    time.sleep(0.5)                  # the freed pair goes back to the pool
    ok = works(host, port)
    for s in held:
        s.close()
    print("held %d refused %d reused %s" % (k, nref, "ok" if ok else "fail"))


def closed_after(s, t0):
    """Seconds from t0 until the proxy ends s (FIN or RST), or None after 20 s."""
    s.settimeout(20)
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        return None
    return time.monotonic() - t0


def idle(host, port, request):
    s = socket.create_connection((host, port), timeout=5)
    t0 = time.monotonic()
    if request:
        s.sendall(REQ)
    t = closed_after(s, t0)
    s.close()
    print("open after 20 s" if t is None else "closed after %.1f s" % t)


def trickle(host, port, gap):
    s = socket.create_connection((host, port), timeout=5)
    for b in b"GET /id HTTP/1.0\r\n\r\n":
        s.sendall(bytes([b]))
        time.sleep(gap)
    s.settimeout(10)
    data = read_all(s)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    print(head.split(b"\r\n")[0].decode(), body.decode().strip())


if __name__ == "__main__":
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "halfclose":
        halfclose(host, port)
    elif mode == "leastconn":
        leastconn(host, port)
    elif mode == "reset":
        reset(host, port)
    elif mode == "maxconn":
        maxconn(host, port, int(sys.argv[4]))
    elif mode in ("idle", "stall"):
        idle(host, port, mode == "stall")
    elif mode == "trickle":
        trickle(host, port, float(sys.argv[4]))
    else:
        sys.exit("unknown mode " + mode)
