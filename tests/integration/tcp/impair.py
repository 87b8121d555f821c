#!/usr/bin/env python3
"""An impaired Ethernet link between a tap device and a QEMU `-netdev dgram` (one frame per UDP
datagram on the loopback), for hosts whose kernel has no sch_netem. Frames from the tap (host
-> guest) get netem's treatment: LOSS % dropped, DUP % sent twice, REORDER % sent at once and
the rest held DELAY ms (so the held ones are overtaken: netem's "reorder"). Guest -> host
frames pass unchanged, as with netem on the tap's root qdisc. Runs until killed.

  impair.py TAP GUEST_UDP_PORT RELAY_UDP_PORT [--loss 5] [--reorder 25] [--dup 1] [--delay 5]
Prints "ready" once both ends are open; on SIGTERM prints its frame counts."""
import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tap")
    ap.add_argument("guest_port", type=int)
    ap.add_argument("relay_port", type=int)
    ap.add_argument("--loss", type=float, default=5.0)
    ap.add_argument("--reorder", type=float, default=25.0)
    ap.add_argument("--dup", type=float, default=1.0)
    ap.add_argument("--delay", type=float, default=5.0)
    a = ap.parse_args()
    tap = open_tap(a.tap)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    udp.bind(("127.0.0.1", a.relay_port))
    udp.setblocking(False)
    guest = ("127.0.0.1", a.guest_port)
    rnd = random.Random(7)
    held = []                   # (due, seq, frame): host -> guest frames waiting out the delay
    seq = 0
    n = {"to_guest": 0, "lost": 0, "dup": 0, "reordered": 0, "to_host": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print("ready", flush=True)

    def to_guest(frame):
        try:
            udp.sendto(frame, guest)
        except (BlockingIOError, ConnectionRefusedError):
            pass                # a full socket buffer is a lost frame, as on a real link
        n["to_guest"] += 1

    while not stop:
        now = time.monotonic()
        while held and held[0][0] <= now:
            to_guest(heapq.heappop(held)[2])
        timeout = max(0.0, held[0][0] - now) if held else 0.5
        try:
            ready, _, _ = select.select([tap, udp], [], [], timeout)
        except InterruptedError:
            continue
        if tap in ready:
            for _ in range(64):
                try:
                    frame = os.read(tap, 65536)
                except BlockingIOError:
                    break
                if rnd.random() * 100 < a.loss:
                    n["lost"] += 1
                    continue
                copies = 2 if rnd.random() * 100 < a.dup else 1
                n["dup"] += copies - 1
                for _ in range(copies):
                    if rnd.random() * 100 < a.reorder:
                        n["reordered"] += 1
                        to_guest(frame)
                    else:
                        seq += 1
                        heapq.heappush(held, (time.monotonic() + a.delay / 1000, seq, frame))
        if udp in ready:
            for _ in range(64):
                try:
                    frame = udp.recv(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                try:
                    os.write(tap, frame)
                    n["to_host"] += 1
                except OSError:
                    pass
    print(" ".join("%s=%d" % kv for kv in n.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
