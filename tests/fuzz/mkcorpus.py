#!/usr/bin/env python3
"""Seed corpora for the libFuzzer harnesses: valid frames, configs and boot information.

Writes tests/fuzz/corpus/<harness>/<name> (run from anywhere; idempotent). The record format
of fuzz_ether/fuzz_ipv4/fuzz_arp (2-byte big-endian length, control byte, bytes) and the
control bits are described in tests/fuzz/fuzz_stack.h."""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

OUR_MAC = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
PEER_MAC = bytes([0x02, 0, 0, 0, 0, 0x01])
BCAST = b"\xff" * 6
US = bytes([10, 0, 0, 2])
PEER = bytes([10, 0, 0, 1])
OTHER = bytes([10, 0, 0, 5])

C_CSUM_OK, C_FIXCSUM, C_ETHER, C_SEQACK, C_NOHEAD = 0x01, 0x02, 0x04, 0x08, 0x80


def clock(i):           # fake clock step index 0..7 (0, 1 ms, 50 ms, 200 ms, 1 s, 5 s, 30 s, 130 s)
    return i << 4


def csum(b):            # RFC 1071
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(proto, payload, src=PEER, dst=US, ttl=64, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, ttl, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def pseudo(src, dst, proto, n):
    return src + dst + struct.pack("!BBH", 0, proto, n)


def udp(sport, dport, data, src=PEER, dst=US):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(pseudo(src, dst, 17, len(u)) + u) or 0xffff
    return ipv4(17, u[:6] + struct.pack("!H", c) + u[8:], src, dst)


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b"", win=65535, src=PEER, dst=US):
    off = (20 + len(opts)) // 4
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts + data
    c = csum(pseudo(src, dst, 6, len(t)) + t)
    return ipv4(6, t[:16] + struct.pack("!H", c) + t[18:], src, dst)


def icmp(typ, code, rest, src=PEER, dst=US):
    m = struct.pack("!BBH", typ, code, 0) + rest
    return ipv4(1, m[:2] + struct.pack("!H", csum(m)) + m[4:], src, dst)


def ether(payload, etype=0x0800, dst=OUR_MAC, src=PEER_MAC):
    f = dst + src + struct.pack("!H", etype) + payload
    return f + b"\0" * max(0, 60 - len(f))     # pad to the Ethernet minimum


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def rec(ctl, b):
    return struct.pack("!HB", len(b), ctl) + b


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
SYN_OPTS = (bytes([2, 4, 0x05, 0xb4]) + bytes([4, 2]) + bytes([8, 10]) + struct.pack("!II", 1, 0)
            + bytes([1, 3, 3, 7]))                       # MSS, SACK-perm, TS, NOP, WS 7
PISS = 1000


def tcp_session(l2):
    """SYN, then the rest with seq/ack filled in by the harness from what the stack sent:
    ACK, data (echoed back), a SACK-carrying duplicate, FIN, final ACK after timers ran."""
    wrap = (lambda d: ether(d)) if l2 else (lambda d: d)
    sa = C_SEQACK | C_FIXCSUM
    return b"".join([
        rec(0, wrap(tcp(40000, 7, PISS, 0, SYN, opts=SYN_OPTS))),
        rec(sa, wrap(tcp(40000, 7, 0, 0, ACK))),
        rec(sa | clock(1), wrap(tcp(40000, 7, 0, 0, ACK | PSH, b"hello, peregrine\n"))),
        rec(sa | clock(2), wrap(tcp(40000, 7, 0, 0, ACK | PSH, b"x" * 600))),
        rec(sa | clock(3), wrap(tcp(40000, 7, 0, 0, ACK | FIN))),
        rec(sa | clock(4), wrap(tcp(40000, 7, 0, 0, ACK))),
        rec(clock(7), wrap(tcp(40000, 7, 5, 5, RST))),
    ])


def tcp_extra(l2):
    """The harness also listens on port 9 with backlog 1 and has sent a SYN from port 49152 to
    10.0.0.1:80: answer that active open, and make a second SYN to port 9 meet a SYN cookie."""
    wrap = (lambda d: ether(d)) if l2 else (lambda d: d)
    sa = C_SEQACK | C_FIXCSUM
    active = b"".join([
        rec(sa, wrap(tcp(80, 49152, 0, 0, SYN | ACK, opts=SYN_OPTS))),
        rec(sa | clock(1), wrap(tcp(80, 49152, 0, 0, ACK | PSH, b"HTTP/1.0 200 OK\r\n\r\n"))),
        rec(sa | clock(3), wrap(tcp(80, 49152, 0, 0, ACK | FIN))),
        rec(sa | clock(6), wrap(tcp(80, 49152, 0, 0, ACK))),
    ])
    cookie = b"".join([
        rec(0, wrap(tcp(40001, 9, 5000, 0, SYN, opts=SYN_OPTS))),
        rec(0, wrap(tcp(40002, 9, 9000, 0, SYN, opts=SYN_OPTS))),
        rec(sa, wrap(tcp(40002, 9, 0, 0, ACK))),
        rec(sa, wrap(tcp(40002, 9, 0, 0, ACK | PSH, b"discard me"))),
        rec(sa | clock(2), wrap(tcp(40002, 9, 0, 0, ACK | FIN))),
    ])
    return active, cookie


# Our ISS for 10.0.0.1:40000 -> 10.0.0.2:7 when the SYN arrives at the harness's start time
# (RFC 6528 hash of the fixed test secret). Only this seed relies on it; if the ISN function
# changes the seed still runs, it just explores less.
ISS = 721286110


def tcp_sack(l2):
    """SACK both ways with real sequence numbers: out-of-order data (our SACK blocks), then
    duplicate ACKs carrying SACK blocks for our echoed data (SACK-based recovery)."""
    wrap = (lambda d: ether(d)) if l2 else (lambda d: d)
    opts = bytes([2, 4, 0x05, 0xb4, 4, 2, 1, 1])            # MSS 1460, SACK-permitted
    a = PISS + 1
    sack = lambda l, r: bytes([1, 1, 5, 10]) + struct.pack("!II", ISS + 1 + l, ISS + 1 + r)
    f = C_FIXCSUM
    return b"".join([
        rec(0, wrap(tcp(40000, 7, PISS, 0, SYN, opts=opts))),
        rec(f, wrap(tcp(40000, 7, a, ISS + 1, ACK))),
        rec(f, wrap(tcp(40000, 7, a + 400, ISS + 1, ACK | PSH, b"C" * 200))),
        rec(f, wrap(tcp(40000, 7, a + 200, ISS + 1, ACK | PSH, b"B" * 200))),
        rec(f, wrap(tcp(40000, 7, a, ISS + 1, ACK | PSH, b"A" * 200))),
        rec(f, wrap(tcp(40000, 7, a + 600, ISS + 1, ACK, opts=sack(200, 600)))),
        rec(f, wrap(tcp(40000, 7, a + 600, ISS + 1, ACK, opts=sack(200, 600)))),
        rec(f, wrap(tcp(40000, 7, a + 600, ISS + 1, ACK, opts=sack(200, 600)))),
        rec(f | clock(3), wrap(tcp(40000, 7, a + 600, ISS + 601, ACK | FIN))),
    ])


def ether_seeds():
    active, cookie = tcp_extra(True)
    echo = icmp(8, 0, struct.pack("!HH", 0x1234, 1) + b"abcdefghijklmnopqrstuvwxyz012345")
    return {
        "arp-request": rec(0, ether(arp(1, PEER_MAC, PEER, b"\0" * 6, US), 0x0806, BCAST)),
        "arp-reply": rec(0, ether(arp(2, PEER_MAC, PEER, OUR_MAC, US), 0x0806)),
        "icmp-echo": rec(0, ether(echo)),
        "icmp-echo-bcast": rec(0, ether(icmp(8, 0, b"\0\1\0\1", dst=bytes([10, 0, 0, 255])), dst=BCAST)),
        "udp-echo": rec(0, ether(udp(40000, 7, b"ping over udp"))),
        "udp-closed-port": rec(0, ether(udp(40000, 9, b"nobody home"))),
        "udp-no-csum": rec(C_ETHER, ipv4(17, struct.pack("!HHHH", 5, 7, 12, 0) + b"abcd")),
        "tcp-syn": rec(0, ether(tcp(40000, 7, PISS, 0, SYN, opts=SYN_OPTS))),
        "tcp-syn-closed-port": rec(0, ether(tcp(40000, 80, PISS, 0, SYN))),
        "tcp-session": tcp_session(True),
        "tcp-active-open": active,
        "tcp-sack": tcp_sack(True),
        "tcp-syn-cookie": cookie,
        # IPv4-only records (the harness adds the Ethernet header), last one "hardware-verified"
        "tcp-session-compact": b"".join([
            rec(C_ETHER, tcp(40000, 7, PISS, 0, SYN, opts=SYN_OPTS)),
            rec(C_ETHER | C_SEQACK | C_FIXCSUM, tcp(40000, 7, 0, 0, ACK)),
            rec(C_ETHER | C_SEQACK | C_FIXCSUM | C_NOHEAD, tcp(40000, 7, 0, 0, ACK | PSH, b"data")),
            rec(C_ETHER | C_SEQACK | C_CSUM_OK | clock(6), tcp(40000, 7, 0, 0, ACK | FIN))]),
        "ip-proto-unreach": rec(0, ether(ipv4(99, b"unknown protocol payload"))),
        "to-unresolved-host": rec(0, ether(icmp(8, 0, b"\0\2\0\1", src=OTHER))) + rec(clock(4), b"")
        + rec(clock(4), b"") + rec(clock(5), b""),
    }


def ipv4_seeds():
    echo = icmp(8, 0, struct.pack("!HH", 7, 1) + b"0123456789")
    h = struct.pack("!BBHHHBBH4s4s", 0x46, 0, 24 + 12, 9, 0, 64, 17, 0, PEER, US) + bytes([1, 1, 1, 0])
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    with_opts = h + struct.pack("!HHHH", 40000, 7, 12, 0) + b"opts"
    return {
        "icmp-echo": rec(0, echo),
        "udp-echo": rec(0, udp(40000, 7, b"udp payload")),
        "ip-options": rec(0, with_opts),
        "fragment": rec(C_FIXCSUM, ipv4(17, b"\0" * 16)[:6] + b"\x20\x00" + ipv4(17, b"\0" * 16)[8:]),
        "tcp-session": tcp_session(False),
        "tcp-active-open": tcp_extra(False)[0],
        "tcp-sack": tcp_sack(False),
        "tcp-syn-cookie": tcp_extra(False)[1],
    }


def arp_seeds():
    return {
        "request": rec(0, arp(1, PEER_MAC, PEER, b"\0" * 6, US)),
        "gratuitous": rec(0, arp(1, PEER_MAC, PEER, b"\0" * 6, PEER)),
        # queue two datagrams for 10.0.0.5, then its reply arrives: both must go out
        "resolve": rec(1, OTHER + b"\x45" + b"\0" * 27) + rec(1 | clock(1), OTHER + b"\x45" + b"\0" * 27)
        + rec(clock(2), arp(2, bytes([2, 0, 0, 0, 0, 5]), OTHER, OUR_MAC, US)),
        # nobody answers: retries, then the queue is dropped
        "unresolved": rec(1, OTHER + b"\x45" + b"\0" * 19) + rec(clock(4), b"") + rec(clock(4), b"")
        + rec(clock(4), b"") + rec(clock(5), b""),
    }


def icmp_seeds():
    inner = udp(40000, 9, b"quoted")          # a datagram we received, to be quoted
    echo = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"payload"
    return {
        "input-echo": bytes([0x03]) + PEER + US + b"\0" + echo,
        # an echo request in a buffer without headroom, too big to copy behind ours
        "input-echo-big-noheadroom": bytes([0x83]) + PEER + US + b"\0" + echo[:8] + b"E" * 1892,
        "input-unreach": bytes([0x03]) + PEER + US + b"\0" + struct.pack("!BBHI", 3, 3, 0, 0) + inner[:28],
        "error-port-unreach": bytes([0x04, 3, 3]) + inner,
        "error-about-ipv4": bytes([0x00, 11, 0]) + inner,
    }


def dhcp_reply(typ, lease=300, yiaddr=bytes([10, 0, 0, 50])):
    """BOOTREPLY (RFC 2131 §2) broadcast by 10.0.0.1:67; xid and chaddr are filled in by
    fuzz_dhcp (control bit 3) from the client's last message."""
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, 0, 0, 0x8000, b"\0" * 4, yiaddr,
                        PEER, b"\0" * 4, b"\0" * 16, b"", b"")
    o = bytes([53, 1, typ]) + bytes([54, 4]) + PEER
    if typ != 6:                              # not for a NAK
        o += (bytes([51, 4]) + struct.pack("!I", lease) + bytes([1, 4, 255, 255, 255, 0])
              + bytes([3, 4]) + PEER + bytes([6, 8]) + PEER + bytes([8, 8, 8, 8])
              + bytes([26, 2, 0x05, 0xdc]) + bytes([12, 9]) + b"peregrine"
              + bytes([58, 4]) + struct.pack("!I", lease // 2) + bytes([59, 4]) + struct.pack("!I", lease * 7 // 8))
    msg = bootp + struct.pack("!I", 0x63825363) + o + bytes([255])
    u = struct.pack("!HHHH", 67, 68, 8 + len(msg), 0) + msg
    return ether(ipv4(17, u, PEER, b"\xff" * 4), dst=BCAST)


def dhcp_seeds():
    sa = C_SEQACK | C_FIXCSUM
    idle = lambda n: b"".join(rec(clock(7), b"") for _ in range(n))
    return {
        "offer-ack": rec(sa, dhcp_reply(2)) + rec(sa | clock(1), dhcp_reply(5)),
        "renew-rebind-expire": rec(sa, dhcp_reply(2)) + rec(sa | clock(1), dhcp_reply(5)) + idle(2)
        + rec(sa, dhcp_reply(5)) + idle(3),
        "nak": rec(sa, dhcp_reply(2)) + rec(sa | clock(1), dhcp_reply(6)) + idle(1),
        "no-server": idle(4),
    }


def tcp_opts_seeds():
    sack = bytes([1, 1, 5, 18]) + struct.pack("!IIII", 100, 200, 300, 400)
    return {
        "syn": SYN_OPTS,
        "ts": bytes([1, 1, 8, 10]) + struct.pack("!II", 12345, 678),
        "sack": sack,
        "eol": bytes([2, 4, 5, 0xb4, 0, 0, 0, 0]),
    }


def config_seeds():
    out = {
        "cmdline": b"/boot/peregrine.elf app=echo ip=10.0.0.2/24 gw=10.0.0.1 log=debug echo.port=7",
        "routes": b"route=192.168.0.0/16,via=10.0.0.1 route=172.16.0.0/12,via=10.0.0.3 eth1.ip=10.1.0.2/24",
        "file": b"# comment\napp=echo\nip = 10.0.0.2/24\ngw=10.0.0.1\n\nmetrics.port=9100\r\n"
                b"lb.server=web1 10.0.0.10:80 weight 2\nlb.server=web2 10.0.0.11:80\ntcp.max_conns=1024\n",
        "bad-key": b"nosuchkey=1\n",
        "firewall": b"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
    }
    ex = os.path.join(ROOT, "apps", "examples", "echo.conf")
    if os.path.exists(ex):
        out["example-echo"] = open(ex, "rb").read()
    return out


def multiboot_seeds():
    inc = open(os.path.join(ROOT, "tests", "unit", "kernel", "mb2_grub_bios.inc")).read()
    inc = re.sub(r"/\*.*?\*/", "", inc, flags=re.S)
    grub = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{2})", inc))
    tag = struct.pack("<II", 3, 8 + 8 + 8) + struct.pack("<II", 0x200000, 0x201000) + b"cfg\0\0\0\0\0"
    end = struct.pack("<II", 0, 8)
    mods = struct.pack("<II", 16 + len(tag) + len(end), 0) + tag + end
    return {"grub-bios": grub, "module": mods}


def main():
    sets = {"ether": ether_seeds(), "ipv4": ipv4_seeds(), "arp": arp_seeds(), "icmp": icmp_seeds(), "dhcp": dhcp_seeds(),
            "tcp_opts": tcp_opts_seeds(), "config": config_seeds(), "multiboot": multiboot_seeds()}
    for harness, seeds in sets.items():
        d = os.path.join(HERE, "corpus", harness)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    assert len(sets["multiboot"]["grub-bios"]) == 1528


if __name__ == "__main__":
    main()
