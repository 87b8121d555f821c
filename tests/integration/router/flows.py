#!/usr/bin/env python3
"""Traffic helpers for the router test; each prints one line of key=value results.

  flows.py tcp-echo ADDR PORT              echo server, one thread per connection (runs until killed)
  flows.py udp-echo ADDR PORT              answers every datagram with "echo:" + its payload
  flows.py udp-probe ADDR PORT             one datagram: result=answered|refused|timeout
  flows.py hold ADDR PORT N LINGER         open N echo connections and keep them; then one more
                                           connection attempt (3 s) and a round trip on the
                                           first one; keep all open LINGER seconds more
"""
import socket
import sys
import threading
import time

TIMEOUT = 3.0


def echo_conn(c):
    with c:
        while True:
            try:
                d = c.recv(4096)
            except OSError:
                return
            if not d:
                return
            c.sendall(d)


def tcp_echo(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(256)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo_conn, args=(c,), daemon=True).start()


def udp_echo(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        d, peer = s.recvfrom(2048)
        s.sendto(b"echo:" + d, peer)


def udp_probe(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.connect((addr, port))       # connected: an ICMP port unreachable surfaces as ECONNREFUSED
    s.send(b"probe")
    try:
        d = s.recv(2048)
        return "result=answered payload=%s" % d.decode(errors="replace")
    except ConnectionRefusedError:
        return "result=refused"
    except socket.timeout:
        return "result=timeout"


def round_trip(c, msg):
    c.settimeout(TIMEOUT)
    c.sendall(msg)
    got = b""
    while len(got) < len(msg):
        d = c.recv(4096)
        if not d:
            break
        got += d
    return got == msg


def try_connect(addr, port):
    c = socket.socket()
    c.settimeout(TIMEOUT)
    try:
        c.connect((addr, port))
        return c, "connected"
    except ConnectionRefusedError:
        return None, "refused"
    except socket.timeout:
        return None, "timeout"
    except OSError as e:
        return None, "error:%s" % e.errno


def hold(addr, port, n, linger):
    conns = []
    for i in range(n):
        c, how = try_connect(addr, port)
        if not c or not round_trip(c, b"flow %d\n" % i):
            print("held=%d failed_at=%d how=%s" % (len(conns), i, how), flush=True)
            return 1
        conns.append(c)
    time.sleep(0.5)                # the last handshake's ACK has crossed the router
    extra, how = try_connect(addr, port)
    if extra:
        extra.close()
    ok = round_trip(conns[0], b"still established\n")
    print("held=%d extra=%s established_echo=%s" % (len(conns), how, "ok" if ok else "fail"),
          flush=True)
    time.sleep(linger)
    for c in conns:
        c.close()
    return 0


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    mode, addr, port = argv[1], argv[2], int(argv[3])
    if mode == "tcp-echo":
        tcp_echo(addr, port)
    elif mode == "udp-echo":
        udp_echo(addr, port)
    elif mode == "udp-probe":
        print(udp_probe(addr, port), flush=True)
    elif mode == "hold" and len(argv) == 6:
        return hold(addr, port, int(argv[4]), float(argv[5]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
