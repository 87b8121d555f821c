#!/usr/bin/python3
# Hostile-packet cases against a running guest, sent as raw Ethernet frames on the tap
# (built with scapy, one AF_PACKET socket for both ways). Run inside the test's namespace by
# test_hostile.sh; prints "@@ pass NAME<TAB>detail" / "@@ fail NAME<TAB>detail" per case.
import os, random, re, select, socket, struct, subprocess, sys, time, urllib.request
from scapy.layers.l2 import Ether, ARP
from scapy.layers.inet import IP, ICMP, UDP, TCP
from scapy.packet import Raw
from scapy.utils import checksum

TAP, GIP, CONS_SOCK, GLOG = sys.argv[1:5]
ONLY = sys.argv[5] if len(sys.argv) > 5 else ""
FIP, FMAC = "10.80.0.77", "02:00:00:00:00:77"      # a peer the host kernel does not own
GMAC = None
M = "peregrine_"
SCRAPE = {"tcp_passive_opens_total": 1}     # the /metrics scrape that ends a case is one


def result(ok, name, detail):
    print("@@ %s %s\t%s" % ("pass" if ok else "fail", name, detail), flush=True)


# ---- the wire ---------------------------------------------------------------------------
class Link:
    def __init__(self, ifname):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.bind((ifname, 0))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)

    def send(self, frame):
        self.s.send(bytes(frame))

    def frames(self, timeout):
        """Frames from the guest (not our own sends) until timeout; answers ARP for FIP."""
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                return
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return
            data, addr = self.s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            p = Ether(data)
            if ARP in p and p[ARP].op == 1 and p[ARP].pdst == FIP:
                self.send(Ether(dst=p.src, src=FMAC) / ARP(op=2, hwsrc=FMAC, psrc=FIP,
                                                          hwdst=p[ARP].hwsrc, pdst=p[ARP].psrc))
                continue
            yield p

    def drain(self):
        """Forget frames already queued (answering ARP among them)."""
        for _ in self.frames(0.05):
            pass

    def expect(self, pred, timeout=3.0):
        for p in self.frames(timeout):
            if pred(p):
                return p
        return None

    def collect(self, pred, timeout):
        return [p for p in self.frames(timeout) if pred(p)]


def eth(payload, dst=None, src=FMAC, etype=0x0800):
    return Ether(dst=dst or GMAC, src=src, type=etype) / payload


def ip_raw(payload, proto, ihl=None, opts=b"", tot=None, ver=4, frag=0, csum=None,
           ident=0x4242, src=FIP, dst=None):
    """An IPv4 header with every field settable; the checksum covers the header as built."""
    hl = 20 + len(opts)
    ihl = hl // 4 if ihl is None else ihl
    tot = hl + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | ihl, 0, tot, ident, frag, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst or GIP)) + opts
    c = checksum(h) if csum is None else csum
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def l4(layer, src=FIP):
    """Transport bytes with the checksum scapy computes over the pseudo header."""
    return bytes(IP(src=src, dst=GIP) / layer)[20:]


def from_guest(p, proto):
    return IP in p and p[IP].src == GIP and p[IP].dst == FIP and proto in p


# ---- the guest's view -------------------------------------------------------------------
def metrics():
    for _ in range(5):
        try:
            txt = urllib.request.urlopen("http://%s:9100/metrics" % GIP, timeout=10).read()
            m = {}
            for line in txt.decode().splitlines():
                if line and not line.startswith("#"):
                    k, v = line.rsplit(" ", 1)
                    m[k] = int(float(v))
            return m
        except Exception:
            time.sleep(1)
    return {}


def console(cmd, wait=1.0):
    """Type a console command; returns what the log gained meanwhile."""
    start = os.path.getsize(GLOG)
    c = socket.socket(socket.AF_UNIX)
    c.connect(CONS_SOCK)
    c.send(cmd.encode() + b"\r")
    c.close()
    size, still, end = start, 0, time.time() + 5 * wait
    while still < 5 and time.time() < end:     # until the serial output settles
        time.sleep(0.1)
        now = os.path.getsize(GLOG)
        still = still + 1 if now == size and now > start else 0
        size = now
    with open(GLOG, "rb") as f:
        f.seek(start)
        return f.read().decode(errors="replace").replace("\r", "")


def ping_ok():
    for _ in range(3):
        if subprocess.run(["ping", "-c", "1", "-W", "2", GIP], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            return True
    return False


def tcp_echo_ok():
    msg = b"still-alive-%d" % random.randint(0, 1 << 30)
    try:
        with socket.create_connection((GIP, 7), timeout=5) as s:
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                d = s.recv(100)
                if not d:
                    break
                got += d
            return got == msg
    except OSError:
        return False


# ---- a TCP peer at FIP, driven segment by segment ---------------------------------------
class Conn:
    def __init__(self, dport=7, sport=None, iss=None, win=65535):
        self.dport = dport
        self.sport = sport or random.randint(20000, 60000)
        self.iss = random.randint(1 << 24, 0x7F000000) if iss is None else iss
        self.snd_nxt = self.iss
        self.rcv_nxt = 0
        self.win = win

    def seg(self, flags, seq=None, ack=None, data=b"", opts=(), win=None, urg=0):
        t = TCP(sport=self.sport, dport=self.dport, flags=flags,
                seq=self.snd_nxt if seq is None else seq & 0xFFFFFFFF,
                ack=self.rcv_nxt if ack is None else ack & 0xFFFFFFFF,
                window=self.win if win is None else win, urgptr=urg, options=list(opts))
        return eth(ip_raw(l4(t / Raw(data) if data else t), 6))

    def send(self, flags, **kw):
        LINK.send(self.seg(flags, **kw))

    def mine(self, p):
        if from_guest(p, TCP) and p[TCP].sport == self.dport and p[TCP].dport == self.sport:
            if p[TCP].flags.A:
                self.acked = p[TCP].ack          # the guest's RCV.NXT as last seen
            return True
        return False

    def expect(self, pred=lambda t: True, timeout=3.0):
        p = LINK.expect(lambda p: self.mine(p) and pred(p[TCP]), timeout)
        return p[TCP] if p else None

    def handshake(self, opts=(("MSS", 1460),)):
        self.send("S", opts=opts)
        sa = self.expect(lambda t: t.flags.S and t.flags.A)
        if not sa:
            return None
        self.snd_nxt = (self.iss + 1) & 0xFFFFFFFF
        self.rcv_nxt = (sa.seq + 1) & 0xFFFFFFFF
        self.send("A")
        return sa

    def write(self, data, flags="PA", **kw):
        for i in range(0, len(data), 1400):        # one segment per 1400 bytes (tap MTU)
            self.send(flags, data=data[i:i + 1400], **kw)
            self.snd_nxt = (self.snd_nxt + len(data[i:i + 1400])) & 0xFFFFFFFF

    def read(self, n, timeout=5.0, ack=True):
        """In-order payload until n bytes (ACKing as it comes); returns (bytes, segment sizes)."""
        got, sizes, end = b"", [], time.time() + timeout
        while len(got) < n and time.time() < end:
            t = self.expect(lambda t: len(bytes(t.payload)) > 0, end - time.time())
            if not t:
                break
            d = bytes(t.payload)
            if t.seq == self.rcv_nxt:
                got += d
                sizes.append(len(d))
                self.rcv_nxt = (self.rcv_nxt + len(d)) & 0xFFFFFFFF
            if ack:
                self.send("A")
        return got, sizes

    def echo(self, data, **kw):
        self.write(data, **kw)
        got, _ = self.read(len(data))
        return got == data

    def abort(self):
        """RST exactly at the guest's RCV.NXT (RFC 5961 §3.2), so it really resets."""
        self.send("R", seq=getattr(self, "acked", self.snd_nxt), ack=0)


# ---- the case runner --------------------------------------------------------------------
def case(name, fn, want):
    """Run fn (returns (ok, detail)); want maps counter -> exact delta, or (min,) for at least.
    Then the guest must still answer ping and TCP echo."""
    if ONLY and not re.search(ONLY, name):
        return
    LINK.drain()
    before = metrics()
    try:
        ok, detail = fn()
    except Exception as e:                 # a harness error is a failed case, not a stop
        ok, detail = False, "exception %r" % e
    time.sleep(0.3)
    after = metrics()
    moved, bad = [], []
    for k, need in want.items():
        keys = k.split("+")
        d = sum(after.get(M + x, -10**9) - before.get(M + x, 0) - SCRAPE.get(x, 0) for x in keys)
        moved.append("%s+%d" % (k, d))
        if (d < need[0]) if isinstance(need, tuple) else (d != need):
            bad.append("%s moved %d, want %s" % (k, d, need if not isinstance(need, tuple)
                                                 else ">=%d" % need[0]))
    alive = ping_ok()
    echo = tcp_echo_ok()
    if not alive:
        bad.append("no ping answer after the case")
    if not echo:
        bad.append("TCP echo on port 7 broken after the case")
    if bad or not ok:
        bad.insert(0, detail)
    if bad:                                # what did move, for the report
        bad.append("moved: " + " ".join("%s+%d" % (k[len(M):], after[k] - before.get(k, 0))
                                         for k in sorted(after) if k.startswith(M + "tcp_") and
                                         after[k] != before.get(k, 0)))
    result(ok and not bad, name, "; ".join(bad) if bad else "%s (%s)" % (", ".join(moved), detail))


# ---- Ethernet and IPv4 ------------------------------------------------------------------
def sent(*frames):
    def f():
        for fr in frames:
            LINK.send(fr)
        return True, "%d frame(s)" % len(frames)
    return f


def icmp_echo(payload=b"", ident=0x77, seq=1, csum=None):
    return bytes(ICMP(type=8, id=ident, seq=seq, chksum=csum) / Raw(payload))


def echo_reply_check(payload, seq, opts=b""):
    """An echo request with payload; the reply must carry the same id, seq and bytes."""
    def f():
        LINK.send(eth(ip_raw(icmp_echo(payload, seq=seq), 1, opts=opts)))
        p = LINK.expect(lambda p: from_guest(p, ICMP) and p[ICMP].type == 0 and
                        p[ICMP].seq == seq, 3)
        if not p:
            return False, "no echo reply"
        raw = bytes(p[IP])[20:p[IP].len]
        got = raw[8:]
        if got != payload:
            return False, "reply payload differs (%d bytes back, %d sent)" % (
                len(got), len(payload))
        if checksum(raw) != 0 or p[IP].len != 28 + len(payload):
            return False, "reply checksum or IP length wrong (len %d)" % p[IP].len
        return True, "%d-byte payload echoed exactly" % len(payload)
    return f


def udp_echo_short():
    """1 byte of UDP in a 43-byte frame (the NIC pads to 60): the echo must carry 1 byte."""
    def f():
        LINK.send(eth(ip_raw(l4(UDP(sport=4444, dport=7) / Raw(b"Z")), 17)))
        p = LINK.expect(lambda p: from_guest(p, UDP) and p[UDP].dport == 4444, 3)
        if not p:
            return False, "no UDP echo"
        if p[UDP].len != 9 or bytes(p[UDP].payload)[:p[UDP].len - 8] != b"Z" or p[IP].len != 29:
            return False, "UDP echo len %d ip len %d" % (p[UDP].len, p[IP].len)
        return True, "1 byte echoed, padding not echoed"
    return f


def unreach(dgram, code):
    """A datagram the guest cannot deliver: it must answer with ICMP type 3 and this code,
    quoting our IP header and the first 8 bytes after it (RFC 792)."""
    def f():
        LINK.send(eth(dgram))
        p = LINK.expect(lambda p: from_guest(p, ICMP) and p[ICMP].type == 3, 3)
        if not p:
            return False, "no ICMP destination unreachable"
        quote = bytes(p[ICMP])[8:]
        ok = p[ICMP].code == code and quote == dgram[:28]
        return ok, "type 3 code %d, quote %s" % (p[ICMP].code, "exact" if ok else quote.hex())
    return f


def icmp_err(t, code, inner):
    return eth(ip_raw(bytes(ICMP(type=t, code=code) / Raw(inner)), 1))


def echo_reply_seen(*frames):
    """Send the frames; the guest must reassemble them and answer the echo."""
    def f():
        LINK.drain()
        for x in frames:
            LINK.send(x)
        p = LINK.expect(lambda p: from_guest(p, ICMP) and p[ICMP].type == 0, 3)
        return bool(p), "echo reply %s" % ("seen" if p else "missing")
    return f


def frag_cases():
    """RFC 791 §3.2 reassembly under attack (net/ipv4_frag.c): each hostile pattern is dropped
    by its own counter (reasm_* count the fragments freed) and never answered; a clean pair
    out of order is reassembled and answered."""
    data = icmp_echo(b"F" * 64, seq=900)
    tcp = l4(TCP(sport=4447, dport=7, flags="S", seq=9))
    none = {"icmp_out_echo_reps_total": 0, "tcp_short_seg_total+tcp_passive_opens_total": 0}
    cases = [
        ("overlapping pair", [ip_raw(data[:32], 1, frag=0x2000, ident=0x2222),
                              ip_raw(data[16:], 1, frag=2, ident=0x2222)],   # overlap 16
         {"ipv4_reasm_overlap_total": 2}),
        ("tiny: 8-byte first fragment splitting the TCP header",
         [ip_raw(tcp[:8], 6, frag=0x2000, ident=0x3333), ip_raw(tcp[8:], 6, frag=1, ident=0x3333)],
         {"ipv4_reasm_tiny_total": 2}),
        ("offset+len > 65535", [ip_raw(b"B" * 100, 1, frag=8190, ident=0x4444)],
         {"ipv4_reasm_bad_len_total": 1}),
        # held until the 30 s timeout (ICMP time exceeded code 1 then), never delivered
        ("never completed (first of two only)", [ip_raw(data[:24], 1, frag=0x2000, ident=0x5555)],
         {"ipv4_reasm_reqds_total": 1, "ipv4_reasm_oks_total": 0}),
        ("last fragment only", [ip_raw(data[24:], 1, frag=3, ident=0x6666)],
         {"ipv4_reasm_reqds_total": 1, "ipv4_reasm_oks_total": 0}),
    ]
    for name, frs, want in cases:
        case("IPv4 fragments: " + name, sent(*[eth(x) for x in frs]), dict(none, **want))
    case("IPv4 fragments: clean pair, last first, reassembled and answered",
         echo_reply_seen(eth(ip_raw(data[32:], 1, frag=4, ident=0x7777)),
                         eth(ip_raw(data[:32], 1, frag=0x2000, ident=0x7777))),
         {"ipv4_reasm_oks_total": 1, "icmp_out_echo_reps_total": 1})


def l3_cases():
    # Linux refuses to send a frame under 14 bytes on a tap (EINVAL), and QEMU's e1000 pads
    # anything under 60 with zeros: header-only frames are the shortest that reach the guest.
    hdr = bytes.fromhex(GMAC.replace(":", "") + FMAC.replace(":", ""))
    case("runt: 14-byte IPv4 frame, header only (NIC pads to 60)", sent(hdr + b"\x08\x00"),
         {"ipv4_bad_version_total": 1})
    case("runt: 14-byte ARP frame, header only (NIC pads to 60)", sent(hdr + b"\x08\x06"),
         {"arp_bad_htype_total": 1})
    case("runt: 20-byte IPv4 frame with 6 header bytes",
         sent(hdr + b"\x08\x00\x45\x00\x00\x1c\x00\x01"),
         {"ipv4_bad_csum_total+ipv4_bad_len_total": 1})
    case("unpadded 42-byte ICMP echo answered with exact length", echo_reply_check(b"", 11),
         {"icmp_in_echos_total": 1, "icmp_out_echo_reps_total": 1})
    case("unpadded 43-byte UDP datagram echoed without padding", udp_echo_short(),
         {"udp_in_datagrams_total": 1, "udp_out_datagrams_total": 1})
    e = icmp_echo(b"x" * 8)
    case("IPv4 IHL 4 (< 5)", sent(eth(ip_raw(e, 1, ihl=4))), {"ipv4_bad_ihl_total": 1})
    case("IPv4 IHL 15 beyond total length 36", sent(eth(ip_raw(e, 1, ihl=15))),
         {"ipv4_bad_ihl_total": 1})
    case("IPv4 total length 19 (< 20)", sent(eth(ip_raw(e, 1, tot=19))), {"ipv4_bad_len_total": 1})
    case("IPv4 total length 1000 beyond the frame", sent(eth(ip_raw(e, 1, tot=1000))),
         {"ipv4_bad_len_total": 1})
    case("IPv4 version 6 in an IPv4 frame", sent(eth(ip_raw(e, 1, ver=6))),
         {"ipv4_bad_version_total": 1})
    case("IPv4 option length 0", sent(eth(ip_raw(e, 1, opts=b"\x07\x00\x00\x00"))),
         {"ipv4_bad_options_total": 1})
    case("IPv4 option length 1", sent(eth(ip_raw(e, 1, opts=b"\x07\x01\x00\x00"))),
         {"ipv4_bad_options_total": 1})
    case("IPv4 option length past the header", sent(eth(ip_raw(e, 1, opts=b"\x01\x07\x08\x04"))),
         {"ipv4_bad_options_total": 1})
    case("IPv4 bad header checksum", sent(eth(ip_raw(e, 1, csum=0x1234))),
         {"ipv4_bad_csum_total": 1, "icmp_in_msgs_total": 0})
    case("ICMP bad checksum (no reply)", sent(eth(ip_raw(icmp_echo(b"abc", csum=0xbeef), 1))),
         {"icmp_bad_csum_total": 1, "icmp_out_echo_reps_total": 0})
    case("ICMP of 4 bytes (< 8)", sent(eth(ip_raw(b"\x08\x00\xf7\xff", 1))),
         {"icmp_bad_len_total": 1})
    bad_udp = bytearray(l4(UDP(sport=4445, dport=7) / Raw(b"hello")))
    bad_udp[6] ^= 0x55
    case("UDP bad checksum (no echo)", sent(eth(ip_raw(bytes(bad_udp), 17))),
         {"udp_bad_csum_total": 1, "udp_out_datagrams_total": 0})
    bad_tcp = bytearray(l4(TCP(sport=4446, dport=7, flags="S", seq=1)))
    bad_tcp[16] ^= 0x55
    case("TCP SYN with bad checksum (no SYN-ACK)", sent(eth(ip_raw(bytes(bad_tcp), 6))),
         {"tcp_bad_csum_total": 1, "tcp_passive_opens_total": 0})
    frag_cases()
    ih = ip_raw(b"\x00" * 8, 6, src=GIP, dst=FIP)
    for name, fr, ctr in (
            ("port unreachable quoting 10 of 20 IP header bytes", icmp_err(3, 3, ih[:10]),
             "icmp_in_dest_unreachs_total"),
            ("frag needed with nothing quoted", icmp_err(3, 4, b""), "icmp_in_dest_unreachs_total"),
            ("time exceeded quoting IHL 15 in 20 bytes", icmp_err(11, 0, b"\x4f" + ih[1:20]),
             "icmp_in_time_excds_total"),
            ("host unreachable quoting no transport bytes", icmp_err(3, 1, ih[:20]),
             "icmp_in_dest_unreachs_total")):
        case("ICMP error, truncated inner header: " + name, sent(fr),
             {ctr: 1, "icmp_out_errors_total": 0, "tcp_estab_resets_total": 0})
    hdr8 = lambda ulen: struct.pack("!HHHH", 4448, 7, ulen, 0) + b"data"
    case("UDP length 7 (< 8)", sent(eth(ip_raw(hdr8(7), 17))), {"udp_bad_len_total": 1})
    case("UDP length 200 beyond the datagram", sent(eth(ip_raw(hdr8(200), 17))),
         {"udp_bad_len_total": 1})
    case("UDP datagram of 6 bytes (< header)", sent(eth(ip_raw(b"\x11\x5c\x00\x07\x00\x06", 17))),
         {"udp_short_hdr_total": 1})
    case("TCP segment of 12 bytes (< header)",
         sent(eth(ip_raw(l4(TCP(sport=4449, dport=7))[:12], 6))),
         {"tcp_short_seg_total": 1})
    case("IPv4 source 127.0.0.1", sent(eth(ip_raw(e, 1, src="127.0.0.1"))),
         {"ipv4_bad_src_total": 1})
    case("IPv4 source 10.80.0.255 (subnet broadcast)", sent(eth(ip_raw(e, 1, src="10.80.0.255"))),
         {"ipv4_bad_src_total": 1})
    case("IPv4 to another host (10.80.0.3)", sent(eth(ip_raw(e, 1, dst="10.80.0.3"))),
         {"ipv4_not_for_us_total": 1, "icmp_out_echo_reps_total": 0})
    case("ICMP echo to the subnet broadcast", sent(eth(ip_raw(e, 1, dst="10.80.0.255"),
                                                       dst="ff:ff:ff:ff:ff:ff")),
         {"icmp_bcast_echo_total": 1, "icmp_out_echo_reps_total": 0})
    case("IP protocol 99: protocol unreachable", unreach(ip_raw(b"junk", 99), 2),
         {"ipv4_no_proto_total": 1, "icmp_out_errors_total": 1})
    case("UDP to closed port 9: port unreachable", unreach(ip_raw(l4(UDP(sport=4450, dport=9)
                                                                     / Raw(b"x")), 17), 3),
         {"udp_no_port_total": 1, "icmp_out_errors_total": 1})

    def arp(**kw):
        a = dict(op=1, hwsrc=FMAC, psrc=FIP, pdst=GIP)
        a.update(kw)
        return Ether(dst=GMAC, src=FMAC) / ARP(**a)
    case("ARP hardware length 7", sent(arp(hwlen=7)), {"arp_bad_hlen_total": 1})
    case("ARP opcode 3", sent(arp(op=3)), {"arp_bad_op_total": 1})
    case("ARP sender MAC broadcast", sent(arp(hwsrc="ff:ff:ff:ff:ff:ff")),
         {"arp_bad_sender_total": 1})
    case("ARP sender claims the guest's address", sent(arp(psrc=GIP)),
         {"arp_bad_sender_total": 1})
    rnd = random.Random(7)
    case("ICMP echo with 1472 bytes of payload (maximum)",
         echo_reply_check(bytes(rnd.randrange(256) for _ in range(1472)), 12),
         {"icmp_in_echos_total": 1, "icmp_out_echo_reps_total": 1})
    case("ICMP echo with 1471 bytes of payload (odd length)",
         echo_reply_check(bytes(rnd.randrange(256) for _ in range(1471)), 13),
         {"icmp_in_echos_total": 1, "icmp_out_echo_reps_total": 1})
    case("IPv4 options NOP NOP NOP EOL accepted (echo answered)",
         echo_reply_check(b"opt", 14, opts=b"\x01\x01\x01\x00"), {"icmp_out_echo_reps_total": 1})


# ---- TCP --------------------------------------------------------------------------------
def tcp_hdr_cases():
    def seg(dataofs, opts=b""):
        t = TCP(sport=random.randint(20000, 60000), dport=7, flags="S", seq=5, dataofs=dataofs)
        return eth(ip_raw(l4(t / Raw(opts) if opts else t), 6))
    case("TCP data offset 4 (< 5)", sent(seg(4)), {"tcp_bad_off_total": 1})
    case("TCP data offset 15 past the segment", sent(seg(15)), {"tcp_bad_off_total": 1})
    case("TCP option length 0", sent(seg(6, b"\x02\x00\x05\xb4")),
         {"tcp_bad_opt_total": 1, "tcp_passive_opens_total": 0})
    case("TCP option length 1", sent(seg(6, b"\x02\x01\x05\xb4")),
         {"tcp_bad_opt_total": 1, "tcp_passive_opens_total": 0})
    case("TCP option length past the header", sent(seg(6, b"\x01\x02\x08\x05")),
         {"tcp_bad_opt_total": 1, "tcp_passive_opens_total": 0})
    case("TCP option kind without its length byte", sent(seg(6, b"\x01\x01\x01\x02")),
         {"tcp_bad_opt_total": 1, "tcp_passive_opens_total": 0})


def opt_of(t, name):
    return next((v for k, v in t.options if k == name), None)


def tiny_mss(mss):
    def f():
        c = Conn()
        sa = c.handshake(opts=(("MSS", mss),))
        if not sa:
            return False, "no SYN-ACK"
        data = bytes(range(256)) * 4
        c.write(data)
        got, sizes = c.read(len(data), timeout=15)
        c.abort()
        detail = "echo of %d bytes in %d segments, largest %d" % (len(got), len(sizes),
                                                                   max(sizes or [0]))
        return got == data and min(sizes) > 1 and len(sizes) <= len(data) // 64, detail
    return f


def wscale_big():
    c = Conn()
    sa = c.handshake(opts=(("MSS", 1460), ("WScale", 30)))
    if not sa:
        return False, "no SYN-ACK"
    data = os.urandom(3000)
    ok = c.echo(data)
    c.abort()
    return ok, "SYN-ACK window scale %s, 3000 bytes echoed: %s" % (opt_of(sa, "WScale"), ok)


def sack_wrap():
    c = Conn(iss=0xFFFFFF80)                   # our data crosses 2^32 in the first write
    sa = c.handshake(opts=(("MSS", 1460), ("SAckOK", b"")))
    if not sa or opt_of(sa, "SAckOK") is None:
        return False, "no SYN-ACK with SACK-permitted"
    d1 = os.urandom(300)
    if not c.echo(d1):
        return False, "echo across our sequence wrap failed"
    g = c.rcv_nxt
    blocks = (0xFFFFFFF0, 0x10, (g + 1000) & 0xFFFFFFFF, (g + 3000) & 0xFFFFFFFF,
              (g - 5000) & 0xFFFFFFFF, (g - 4000) & 0xFFFFFFFF, (g - 10) & 0xFFFFFFFF,
              (g + 10) & 0xFFFFFFFF)
    c.send("A", opts=(("SAck", blocks),))
    c.send("A", opts=(("SAck", (0xFFFFFFFF, 0)),))
    d2 = os.urandom(500)
    ok = c.echo(d2)
    c.abort()
    return ok, "bogus SACK blocks around 2^32 ignored, echo after: %s" % ok


def urgent():
    c = Conn()
    if not c.handshake():
        return False, "no SYN-ACK"
    c.write(b"abc", flags="PAU", urg=0)
    c.write(b"def", flags="PAU", urg=60000)
    got, _ = c.read(6)
    c.abort()
    return got == b"abcdef", "urgent data echoed inline: %r" % got


def arp_unsolicited():
    for ip, mac, dst in (("10.80.0.99", "02:00:00:00:00:99", GMAC),
                         ("10.80.0.98", "02:00:00:00:00:98", "ff:ff:ff:ff:ff:ff")):
        LINK.send(Ether(dst=dst, src=mac) / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=GMAC, pdst=GIP))
    time.sleep(0.3)
    out = console("ip neigh")
    if "10.80.0.77" not in out:
        return False, "ip neigh output not seen: %r" % out[-200:]
    bad = [a for a in ("10.80.0.99", "10.80.0.98") if a in out]
    return not bad, "not cached (ip neigh)" if not bad else "cached: %s" % bad


def live_conn_cases(iss):
    """RFC 5961 and RFC 9293 §3.10.7.4 checks against one established connection whose
    sequence numbers start at iss (the guest's window checks must hold in both halves)."""
    c = Conn(iss=iss)
    st = {}

    def setup():
        st["sa"] = c.handshake()
        return bool(st["sa"]) and c.echo(b"hello"), "connection from %s:%d" % (FIP, c.sport)

    def chall(flags, off, label):
        def f():
            c.send(flags, seq=c.snd_nxt + off, ack=0 if flags == "R" else None)
            t = c.expect(lambda t: t.flags.A and not t.flags.R and not t.payload, 2)
            if not t or t.ack != c.snd_nxt:
                return False, "no challenge ACK for the %s" % label
            return (c.echo(b"after-" + flags.encode()),
                    "challenge ACK ack=%d, connection lives" % t.ack)
        return f

    def silent(flags, off, label, reply_ok):
        def f():
            time.sleep(0.3)                    # let delayed ACKs of the last echo go by
            LINK.drain()
            c.send(flags, seq=c.snd_nxt + off, ack=0 if flags == "R" else None)
            t = c.expect(timeout=1.0)
            if (t is not None) != reply_ok:
                return False, "%s: reply %s" % (label, t and t.sprintf("%flags%"))
            return c.echo(b"after"), "%s; connection lives" % label
        return f

    def ack_too_new():
        c.send("A", ack=c.rcv_nxt + 100000)
        # RFC 9293 §3.10.7.4 fifth check: SEG.ACK > SND.NXT -> send an ACK, drop the segment
        t = c.expect(lambda t: t.flags.A and not t.flags.R and t.ack == c.snd_nxt, 2)
        return t is not None and c.echo(b"after-ack"), "ACK sent back: %s" % (t is not None)

    def ack_too_old():
        c.send("A", ack=c.rcv_nxt - 0x20000000)
        t = c.expect(lambda t: t.flags.A and not t.flags.R and t.ack == c.snd_nxt, 2)
        return t is not None and c.echo(b"after-old"), "challenge ACK: %s" % (t is not None)

    def no_ack():
        c.send("P", data=b"noack", ack=0)     # not counted in snd_nxt: the guest drops it
        t = c.expect(lambda t: len(bytes(t.payload)) > 0, 1.0)
        if t:
            return False, "data of a segment without ACK was echoed"
        return c.echo(b"after-noack"), "not echoed"

    def exact_rst():
        c.send("R", ack=0)
        time.sleep(0.2)
        c.write(b"dead?")
        t = c.expect(lambda t: t.flags.R, 2)
        return t is not None, "connection gone: data answered by RST" if t else "no RST after reset"

    def lc(name, fn, want):
        case("%s [peer ISS %#x]" % (name, iss), fn, want)

    lc("TCP handshake from a scapy peer", setup, {"tcp_passive_opens_total": 1})
    if not st.get("sa"):
        return
    lc("RST in window, not at RCV.NXT: challenge ACK (RFC 5961 §3.2)",
       chall("R", 100, "RST"), {"tcp_challenge_acks_total": 1, "tcp_estab_resets_total": 0})
    lc("RST 1 MiB beyond RCV.NXT (out of window) ignored", silent("R", 0x100000, "no reply", False),
       {"tcp_rst_ignored_total": 1, "tcp_estab_resets_total": 0})
    lc("SYN in ESTABLISHED, in window: challenge ACK (RFC 5961 §4.2)",
       chall("S", 0, "SYN"), {"tcp_challenge_acks_total": 1})
    lc("SYN 1 MiB beyond RCV.NXT (out of window): ACK, connection kept",
       silent("S", 0x100000, "ACK sent", True),
       {"tcp_out_of_window_total": 1})
    lc("ACK of data never sent", ack_too_new, {"tcp_ack_too_new_total": 1})
    lc("ACK far below SND.UNA: challenge ACK (RFC 5961 §5.2)", ack_too_old,
       {"tcp_ack_too_old_total": 1, "tcp_challenge_acks_total": 1})
    lc("segment without ACK in ESTABLISHED", no_ack, {"tcp_no_ack_total": 1})
    lc("RST at RCV.NXT resets the connection", exact_rst,
       {"tcp_estab_resets_total": 1, "tcp_bad_listen_seg_total": 1})


def ooo_flood():
    c = Conn()
    if not c.handshake():
        return False, "no SYN-ACK"
    free0 = metrics().get(M + "netbuf_free", 0)
    base = c.snd_nxt
    chunks = [bytes([65 + i % 26]) * 100 for i in range(41)]
    for i in range(1, 41):                     # chunk 0 is the hole
        c.send("PA", seq=base + 100 * i, data=chunks[i])
    time.sleep(0.5)
    c.send("PA", seq=base, data=chunks[0])     # fill the hole: queued chunks follow
    got, _ = c.read(100 * 17, timeout=5)
    ok1 = got == b"".join(chunks[:17])
    c.snd_nxt = base + 1700
    for i in range(17, 41):                    # the dropped ones again, in order
        c.write(chunks[i])
    rest, _ = c.read(100 * 24, timeout=8)
    ok2 = rest == b"".join(chunks[17:])
    c.abort()
    time.sleep(1)
    free1 = metrics().get(M + "netbuf_free", 0)
    ok3 = free1 >= free0 - 4
    return ok1 and ok2 and ok3, "hole filled -> %d bytes, resent -> %d bytes, " \
        "netbuf_free %d -> %d" % (len(got), len(rest), free0, free1)


def zero_window():
    c = Conn()
    if not c.handshake():
        return False, "no SYN-ACK"
    c.win = 0
    data = os.urandom(2000)
    c.write(data)
    segs = []
    for p in LINK.frames(8):
        if c.mine(p):
            segs.append(p[TCP])
            c.send("A")                        # still window 0; probe bytes not accepted
    probes = [t for t in segs if len(bytes(t.payload)) > 0]
    c.win = 65535
    c.send("A")
    got, _ = c.read(len(data), timeout=8)
    c.abort()
    ok = 1 <= len(probes) <= 20 and len(segs) <= 40 and got == data
    return ok, "%d probes, %d segments in 8 s of zero window; data after reopening: %s" % (
        len(probes), len(segs), got == data)


def never_reads(iss):
    """Our window stays 0 while we push 280 KB: the guest must close its receive window,
    drop what is beyond it, and give every buffer back once the connection is gone."""
    c = Conn(iss=iss)
    if not c.handshake():
        return False, "no SYN-ACK"
    free0 = metrics().get(M + "netbuf_free", 0)
    c.win = 0
    for _ in range(200):
        c.write(os.urandom(1400))
    time.sleep(2)
    free1 = metrics().get(M + "netbuf_free", 0)
    adv = [t.window for t in LINK.collect(lambda p: c.mine(p), 1)]
    c.abort()
    time.sleep(1)
    free2 = metrics().get(M + "netbuf_free", 0)
    # 64 KiB receive window + 64 KiB send buffer (net/tcp_priv.h) of 1400-byte segments is
    # about 94 buffers; 110 leaves room for the scrapes.
    ok = free0 - free1 <= 110 and free2 >= free0 - 4 and adv[-1:] == [0]
    return ok, "netbuf_free %d -> %d while pushing -> %d after abort; last window %s" % (
        free0, free1, free2, adv[-1:] or "?")


def time_wait_rst():
    """The metrics server closes first, so the guest ends up in TIME-WAIT; then RSTs."""
    c = Conn(dport=9100)
    if not c.handshake():
        return False, "no SYN-ACK from port 9100"
    c.write(b"GET /status HTTP/1.0\r\n\r\n")
    fin, end = False, time.time() + 10
    while not fin and time.time() < end:
        t = c.expect(timeout=end - time.time())
        if not t:
            break
        n = len(bytes(t.payload))
        if t.seq == c.rcv_nxt:
            c.rcv_nxt = (c.rcv_nxt + n + (1 if t.flags.F else 0)) & 0xFFFFFFFF
            fin = bool(t.flags.F)
        c.send("A")
    if not fin:
        return False, "no FIN from the metrics server"
    c.send("FA")
    c.snd_nxt += 1
    if not c.expect(lambda t: t.flags.A and t.ack == c.snd_nxt, 2):
        return False, "our FIN not acknowledged"
    tag = "%s:%d" % (FIP, c.sport)
    ss1 = [l for l in console("ss -tan").splitlines() if tag in l]
    if not any("TIME" in l for l in ss1):
        return False, "guest not in TIME-WAIT: %r" % ss1
    c.send("R", seq=c.snd_nxt + 10, ack=0)    # in window, not exact
    chal = c.expect(lambda t: t.flags.A and not t.flags.R, 2)
    c.send("R", ack=0)                        # exactly at RCV.NXT
    reply = c.expect(timeout=1)
    ss2 = [l for l in console("ss -tan").splitlines() if tag in l]
    kept = any("TIME" in l for l in ss2)
    return chal is not None and reply is None, \
        "challenge ACK for in-window RST: %s; exact RST %s TIME-WAIT (RFC 1337 would keep it)" \
        % (chal is not None, "kept" if kept else "ended")


def syn_flood():
    ports = random.sample(range(10000, 60000), 2000)
    for p in ports:
        LINK.send(Conn(sport=p, iss=1000).seg("S", ack=0, opts=(("MSS", 1460),)))
    synacks = LINK.collect(lambda p: from_guest(p, TCP) and p[TCP].flags.S and
                           p[TCP].dport in set(ports), 3)
    ok = tcp_echo_ok()
    c = Conn()
    legit = c.handshake() is not None and c.echo(b"legit during flood")
    c.abort()
    for p in ports:                            # RST at RCV.NXT ends the half-open ones
        LINK.send(Conn(sport=p, iss=1001).seg("R", ack=0))
    time.sleep(1)
    left = [l for l in console("ss -tan").splitlines() if FIP + ":" in l]
    return ok and legit and not left, \
        "%d SYN-ACKs for 2000 SYNs; host echo %s, scapy peer echo %s; %d half-open left" % (
            len(synacks), ok, legit, len(left))


def tcp_cases():
    tcp_hdr_cases()
    case("ARP replies for addresses never asked about", arp_unsolicited,
         {"arp_unsolicited_total": 2})
    case("TCP MSS 0 (clamped, no 1-byte segments)", tiny_mss(0), {"tcp_passive_opens_total": 1})
    case("TCP MSS 1 (clamped, no 1-byte segments)", tiny_mss(1), {"tcp_passive_opens_total": 1})
    case("TCP window scale 30 (> 14)", wscale_big, {"tcp_passive_opens_total": 1})
    case("TCP SACK blocks near sequence wrap", sack_wrap, {"tcp_in_errs_total": 0})
    case("TCP urgent pointer 0 and beyond the data", urgent, {"tcp_in_errs_total": 0})
    for iss in (0x10000000, 0xC0000000):
        live_conn_cases(iss)
    case("TCP out-of-order flood (bounded queue, netbufs come back)", ooo_flood,
         {"tcp_ooo_queued_total": 16, "tcp_ooo_dropped_total": 24})
    case("TCP zero window for 8 s (persist probes, no spin)", zero_window,
         {"tcp_persist_probes_total": (1,)})
    for iss in (0x10000000, 0xC0000000):
        case("peer never reads while pushing 280 KB (window closes, buffers bounded) "
             "[peer ISS %#x]" % iss, lambda: never_reads(iss), {"tcp_out_of_window_total": (1,)})
    case("RST in TIME-WAIT", time_wait_rst, {"tcp_challenge_acks_total": 1})
    case("SYN flood of 2000 SYNs (legit echo still works)", syn_flood,
         {"tcp_listen_overflow_total": (1,), "tcp_syn_cookies_sent_total": (1,),
          "tcp_attempt_fails_total": (1,)})


def main():
    global GMAC, LINK
    LINK = Link(TAP)
    # An ARP request from FIP tells us the guest's MAC and puts FIP in its cache (it learns
    # from requests addressed to it, RFC 826).
    LINK.send(Ether(dst="ff:ff:ff:ff:ff:ff", src=FMAC) /
              ARP(op=1, hwsrc=FMAC, psrc=FIP, pdst=GIP))
    p = LINK.expect(lambda p: ARP in p and p[ARP].op == 2 and p[ARP].psrc == GIP, 5)
    if not p:
        result(False, "guest answers ARP from the scapy peer", "no ARP reply")
        return
    GMAC = p[ARP].hwsrc
    result(True, "guest answers ARP from the scapy peer", "guest MAC " + GMAC)
    free0 = metrics().get(M + "netbuf_free", 0)
    l3_cases()
    tcp_cases()
    if ONLY:
        return
    time.sleep(2)
    left = [l.strip() for l in console("ss -tan").splitlines()
            if FIP + ":" in l and "TIME-WAIT" not in l]
    result(not left, "no connection of the scapy peer left open", "; ".join(left) or "none")
    free1 = metrics().get(M + "netbuf_free", 0)
    result(free1 >= free0 - 4, "netbufs back after the suite", "free %d -> %d" % (free0, free1))
    out = console("mem")
    print("guest mem after the suite: " + " | ".join(out.strip().splitlines()[-3:]), flush=True)


if __name__ == "__main__":
    main()
