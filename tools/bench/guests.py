"""Guests and networks for make bench: one QEMU command line for both systems, each guest in
private network namespaces (taps bridged, clients and backends on veths), booted and timed to
the first answered ping. Env prepares the images; Guest runs one boot; every QEMU runs under
`timeout` and is killed by pid; every namespace is deleted on stop and at exit.
"""
import itertools
import os
import subprocess
import time

SMP = os.environ.get("BENCH_SMP", "1")
MEM = os.environ.get("BENCH_MEM", "128M")
GUEST, HOST = "10.79.0.2", "10.79.0.1"            # echo and lb: guest, client (bridge)
BACKENDS = ["10.79.0.11", "10.79.0.12", "10.79.0.13"]
LAN_ADDR, LAN_HOST = "10.1.0.1", "10.1.0.2"        # router: guest eth0 / LAN host
WAN_ADDR, WAN_HOST = "10.2.0.1", "10.2.0.2"        # router: guest eth1 / WAN host
QEMU_LIMIT = 1800                                  # seconds any one QEMU may live
NIC_DEVICE = {"e1000": "e1000", "e1000e": "e1000e",
              "virtio": "virtio-net-pci,disable-modern=on",
              "virtio-modern": "virtio-net-pci,disable-legacy=on"}
_ids = itertools.count()


def sh(*cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r.returncode


def ns_add(name, namespaces):
    """Create namespace name and record it in namespaces (for deletion) before configuring."""
    sh("ip", "netns", "add", name)
    namespaces.append(name)
    # no IPv6 chatter (router solicitations, MLD) on the links under test
    sh("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
       "net.ipv6.conf.default.disable_ipv6=1")
    sh("ip", "-n", name, "link", "set", "lo", "up")


def fast_arp(ns, dev):
    """Re-ARP every 100 ms so boot time is not rounded up to the 1 s default retransmit."""
    sh("ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv4.neigh.{dev}.retrans_time_ms=100")


def rules_v4():
    """100 FORWARD rules no benchmark packet matches, so each packet is checked by all."""
    lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    for i in range(100):
        proto = "udp" if i % 2 else "tcp"
        lines.append(f"-A FORWARD -s 192.0.2.{i + 1}/32 -p {proto} --dport {20000 + i} -j DROP")
    return "\n".join(lines + ["COMMIT", ""])


def haproxy_cfg():
    srv = "\n".join(f"    server s{i + 1} {a}:80 check" for i, a in enumerate(BACKENDS))
    return f"""global
    maxconn 4096
defaults
    mode tcp
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend fe
    bind {GUEST}:80
    default_backend be
backend be
    balance roundrobin
{srv}
"""


def peregrine_conf(svc):
    if svc == "lb":
        srv = "".join(f"lb.server=s{i + 1} {a}:80\n" for i, a in enumerate(BACKENDS))
        # TCP health checks every 2 s, as HAProxy's "check" does by default
        return (f"app=lb\nip={GUEST}/24\nlb.frontend={GUEST}:80\nlb.balance=roundrobin\n"
                f"lb.check=tcp\n{srv}")
    if svc == "router":
        return (f"app=router\neth0.ip={LAN_ADDR}/24\neth1.ip={WAN_ADDR}/24\n"
                f"router.masquerade=off\nconntrack.max=0\n" + rules_v4())
    return f"app=echo\nip={GUEST}/24\n"


class Env:
    def __init__(self, build, out):
        self.build, self.out = build, out
        self.peregrine_elf = os.path.join(out, "peregrine.elf")
        self.vmlinuz = os.path.join(out, "linux", "vmlinuz")
        self.initramfs = os.path.join(out, "linux", "initramfs.gz")          # lb, router
        self.initramfs_echo = os.path.join(out, "linux-echo", "initramfs.gz")  # echo only
        self.live = []
        self.kver = ""

    def prepare(self):
        """Private copy of the image (others may rebuild it), the Linux guest, configs."""
        here = os.path.dirname(os.path.abspath(__file__))
        for f in os.listdir(self.out):   # logs and charts of an earlier run
            if f.endswith((".log", ".qemu.out", ".dat", ".svg")):
                os.remove(os.path.join(self.out, f))
        subprocess.run(["cp", os.path.join(self.build, "peregrine-qemu.elf"), self.peregrine_elf],
                       check=True)
        etc = os.path.join(self.out, "guest-etc")
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "haproxy.cfg"), "w") as f:
            f.write(haproxy_cfg())
        with open(os.path.join(etc, "rules.v4"), "w") as f:
            f.write(rules_v4())
        for svc in ("echo", "lb", "router"):
            with open(os.path.join(self.out, f"peregrine-{svc}.conf"), "w") as f:
                f.write(peregrine_conf(svc))
        for sub, minimal in (("linux", "0"), ("linux-echo", "1")):
            r = subprocess.run(["sh", os.path.join(here, "mkinitramfs.sh"),
                                os.path.join(self.out, sub), os.path.join(self.out, "echod"), etc],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, MINIMAL=minimal))
            print(r.stdout, end="")
            if r.returncode:
                raise RuntimeError("building the Linux guest failed")
            self.kver = r.stdout.split()[1].rstrip(",")

    def has_app(self, name):
        """Is app=NAME compiled in? (apps/registry.c references app_NAME weakly.)"""
        elf = os.path.join(self.build, "peregrine.elf")
        r = subprocess.run(["nm", elf], stdout=subprocess.PIPE, text=True)
        return any(l.split()[-1] == f"app_{name}" and l.split()[-2] not in ("w", "U", "v")
                   for l in r.stdout.splitlines() if len(l.split()) >= 2)

    def qemu_common(self, mem=None):
        return ["qemu-system-x86_64", "-accel", "tcg", "-smp", SMP, "-m", mem or MEM,
                "-display", "none", "-no-reboot"]

    def guest(self, kind, nic, svc, mem=None):
        g = Guest(self, kind, nic, svc, mem)
        self.live.append(g)
        return g

    def boot_pair(self, nic, svc):
        """Boot Peregrine, then Linux (one at a time: boots do not share the CPUs); both stay
        up for the A/B rounds. Returns ([peregrine, linux], message): a guest that did not come
        up is None there and stopped, and the message says why ("" when both are up)."""
        pair, msgs = [], []
        for kind in ("peregrine", "linux"):
            g = self.guest(kind, nic, svc)
            if g.start_and_wait() is None:
                msgs.append(f"{kind} {svc} did not come up on {nic}: {g.last_log_line()}")
                g.stop()
                g = None
            pair.append(g)
        return pair, "; ".join(msgs)

    def cleanup(self):
        for g in list(self.live):
            g.stop()


class Guest:
    def __init__(self, env, kind, nic, svc, mem):
        self.env, self.kind, self.nic, self.svc, self.mem = env, kind, nic, svc, mem
        n = f"pgb{os.getpid() % 10000}{kind[0]}{next(_ids)}"
        self.ns, self.lan, self.wan = n, n + "l", n + "w"
        self.backends = [f"{n}b{i}" for i in range(len(BACKENDS))]
        self.client = self.lan if svc == "router" else self.ns
        self.addr = LAN_ADDR if svc == "router" else GUEST
        self.log = os.path.join(env.out, f"{kind}-{svc}-{nic}-{self.ns}.log")
        self.proc, self.nginx, self.namespaces = None, [], []

    def ns_cmd(self, cmd):
        return ["ip", "netns", "exec", self.client] + cmd

    def lan_cmd(self, cmd):
        return ["ip", "netns", "exec", self.lan] + cmd

    def wan_cmd(self, cmd):
        return ["ip", "netns", "exec", self.wan] + cmd

    def _side(self, tap, br, peer_ns, cidr):
        """tap + bridge in the QEMU namespace; a veth from the bridge into peer_ns (or the
        bridge itself holds cidr when peer_ns is None)."""
        sh("ip", "-n", self.ns, "tuntap", "add", "dev", tap, "mode", "tap")
        sh("ip", "-n", self.ns, "link", "add", br, "type", "bridge")
        sh("ip", "-n", self.ns, "link", "set", tap, "master", br)
        for dev in (tap, br):
            sh("ip", "-n", self.ns, "link", "set", dev, "up")
        if peer_ns is None:
            sh("ip", "-n", self.ns, "addr", "add", cidr, "dev", br)
            fast_arp(self.ns, br)
            return
        self.veth(br, peer_ns, "v" + peer_ns[-3:], cidr)

    def veth(self, br, peer_ns, name, cidr):
        ns_add(peer_ns, self.namespaces)
        sh("ip", "-n", self.ns, "link", "add", name, "type", "veth", "peer", "name", "eth0",
           "netns", peer_ns)
        sh("ip", "-n", self.ns, "link", "set", name, "master", br)
        sh("ip", "-n", self.ns, "link", "set", name, "up")
        sh("ip", "-n", peer_ns, "addr", "add", cidr, "dev", "eth0")
        sh("ip", "-n", peer_ns, "link", "set", "eth0", "up")
        fast_arp(peer_ns, "eth0")

    def network(self):
        ns_add(self.ns, self.namespaces)
        if self.svc == "router":
            self._side("tap0", "br0", self.lan, f"{LAN_HOST}/24")
            self._side("tap1", "br1", self.wan, f"{WAN_HOST}/24")
            sh("ip", "-n", self.lan, "route", "add", "default", "via", LAN_ADDR)
            # no masquerade on either router: the WAN host routes replies back
            sh("ip", "-n", self.wan, "route", "add", "10.1.0.0/24", "via", WAN_ADDR)
            return
        self._side("tap0", "br0", None, f"{HOST}/24")
        if self.svc == "lb":
            for b, a in zip(self.backends, BACKENDS):
                self.veth("br0", b, "v" + b[-2:], f"{a}/24")
                self.start_nginx(b, a)

    def start_nginx(self, ns, addr):
        d = os.path.abspath(os.path.join(self.env.out, "nginx", ns))  # nginx -p resolves relative paths under the prefix
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\n"
                    f"error_log {d}/error.log;\nevents {{ worker_connections 4096; }}\n"
                    f"http {{ access_log off; server {{ listen {addr}:80; "
                    f"location / {{ return 200 \"{addr}\\n\"; }} }} }}\n")
        self.nginx.append(subprocess.Popen(
            ["ip", "netns", "exec", ns, "nginx", "-p", d, "-e", f"{d}/error.log", "-c", conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def qemu_cmd(self):
        dev = NIC_DEVICE[self.nic]
        nets = []
        for i, tap in enumerate(["tap0", "tap1"] if self.svc == "router" else ["tap0"]):
            nets += ["-netdev", f"tap,id=n{i},ifname={tap},script=no,downscript=no",
                     "-device", f"{dev},netdev=n{i},mac=52:54:00:10:00:0{i + 1}"]
        cmd = ["timeout", "--kill-after=5", str(QEMU_LIMIT)] + self.env.qemu_common(self.mem)
        cmd += ["-serial", f"file:{self.log}"] + nets
        if self.kind == "peregrine":
            conf = os.path.join(self.env.out, f"peregrine-{self.svc}.conf")
            return cmd + ["-kernel", self.env.peregrine_elf, "-initrd", conf]
        args = "console=ttyS0 quiet panic=-1 bench.svc=" + {"lb": "haproxy"}.get(self.svc, self.svc)
        if self.svc == "router":
            args += f" bench.ip={LAN_ADDR}/24 bench.ip1={WAN_ADDR}/24"
        else:
            args += f" bench.ip={GUEST}/24"
        initrd = self.env.initramfs_echo if self.svc == "echo" else self.env.initramfs
        return cmd + ["-kernel", self.env.vmlinuz, "-initrd", initrd, "-append", args]

    def start_and_wait(self, limit=60):
        """Boot; seconds from QEMU start to the first ping answered, or None (with the guest
        left for stop()) when it does not answer within limit or the service never starts."""
        self.network()
        t0 = time.monotonic()
        with open(self.log[:-4] + ".qemu.out", "w") as qout:   # QEMU's own errors
            self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns] + self.qemu_cmd(),
                                         stdin=subprocess.DEVNULL, stdout=qout,
                                         stderr=subprocess.STDOUT)
        boot = None
        while time.monotonic() - t0 < limit and self.proc.poll() is None:
            if sh(*self.ns_cmd(["ping", "-c1", "-W0.1", "-q", self.addr]), check=False) == 0:
                boot = time.monotonic() - t0
                break
            time.sleep(0.05)
        if boot is None:
            return None
        while time.monotonic() - t0 < limit and self.proc.poll() is None:
            if self.service_ready():
                return round(boot, 2)
            time.sleep(0.2)
        return None

    def service_ready(self):
        if self.kind == "linux" and "BENCH-READY" not in self.last_log_text():
            return False
        if self.svc == "router":   # forwarding works end to end
            return sh(*self.lan_cmd(["ping", "-c1", "-W0.5", "-q", WAN_HOST]), check=False) == 0
        port = "80" if self.svc == "lb" else "7"
        return sh(*self.ns_cmd(["timeout", "1", "bash", "-c",
                                f"exec 3<>/dev/tcp/{self.addr}/{port}"]), check=False) == 0

    def last_log_text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def last_log_line(self):
        lines = [l.strip() for l in self.last_log_text().splitlines() if l.strip()]
        if lines:
            return lines[-1][:160]
        try:
            with open(self.log[:-4] + ".qemu.out") as f:
                q = f.read().strip()
        except OSError:
            q = ""
        return f"no console output; QEMU: {q[:160]}" if q else "no console output"

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()   # ip netns exec execs timeout, which passes TERM to QEMU
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        for p in self.nginx:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.nginx = []
        for n in reversed(self.namespaces):
            sh("ip", "netns", "del", n, check=False)
        self.namespaces = []
        if self in self.env.live:
            self.env.live.remove(self)
