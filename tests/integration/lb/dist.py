#!/usr/bin/env python3
"""Load balancer distribution probe: N HTTP requests, each on a new connection, counting
which server answered (the body names it) and which requests failed.
usage: dist.py HOST PORT N [--src ADDR] [--timeout S]
prints one line: "web1 150 web2 100 web3 50 errors 0"."""
import socket
import sys


def one(host, port, src, timeout):
    s = socket.create_connection((host, port), timeout=timeout,
                                 source_address=(src, 0) if src else None)
    try:
        s.sendall(b"GET /id HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            if len(data) > 65536:
                raise ValueError("reply too long")
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ValueError("status %r" % head[:40])
    return body.decode().strip()


def main():
    args = sys.argv[1:]
    src, timeout = None, 5.0
    if "--src" in args:
        i = args.index("--src")
        src = args[i + 1]
        del args[i:i + 2]
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    host, port, n = args[0], int(args[1]), int(args[2])
    counts, errors = {}, 0
    for _ in range(n):
        try:
            name = one(host, port, src, timeout)
            counts[name] = counts.get(name, 0) + 1
        except (OSError, ValueError) as e:
            errors += 1
            if errors <= 3:
                print("request failed: %s" % e, file=sys.stderr)
    out = " ".join("%s %d" % (k, counts[k]) for k in sorted(counts))
    print(("%s errors %d" % (out, errors)).strip())


if __name__ == "__main__":
    main()
