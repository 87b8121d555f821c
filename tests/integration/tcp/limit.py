#!/usr/bin/env python3
"""Connection table at its limit: open TOTAL connections one after another and keep them open;
with the server's table bounded at LIMIT, the first LIMIT must connect and echo and the rest
must be refused (RST -> ECONNREFUSED), not hang. Then close them all, wait, and open LIMIT new
ones: all must connect and echo again (the table recovered).

  limit.py HOST PORT LIMIT TOTAL
Prints two lines, "first: connected=A refused=B other=C echoed=D" and "again: ..."."""
import socket
import sys
import time


def echo_ok(sock, i):
    msg = b"conn %d of the limit test\n" % i
    sock.sendall(msg)
    got = b""
    while len(got) < len(msg):
        b = sock.recv(len(msg) - len(got))
        if not b:
            return False
        got += b
    return got == msg


def round_of(host, port, n, tag):
    socks, refused, other, echoed = [], 0, 0, 0
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5.0)
        try:
            s.connect((host, port))
            socks.append(s)
        except ConnectionRefusedError:
            refused += 1
            s.close()
        except OSError as e:
            print("%s conn %d: %s" % (tag, i, e), file=sys.stderr)
            other += 1
            s.close()
    for i, s in enumerate(socks):
        try:
            echoed += echo_ok(s, i)
        except OSError as e:
            print("%s echo %d: %s" % (tag, i, e), file=sys.stderr)
    print("%s: connected=%d refused=%d other=%d echoed=%d"
          % (tag, len(socks), refused, other, echoed), flush=True)
    return socks


def main():
    host, port, limit, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    socks = round_of(host, port, total, "first")
    for s in socks:
        s.close()
    time.sleep(2.0)                 # FIN, the echo's FIN, our ACK: the guest frees each TCB
    socks = round_of(host, port, limit, "again")
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
