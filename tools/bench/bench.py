#!/usr/bin/env python3
"""make bench: Peregrine side by side with a Linux guest on identical QEMU settings (issue #8).

Boots both guests (same -accel, -smp, -m, NIC model, tap in a private network namespace),
runs each workload alternating Peregrine and Linux for several rounds, and writes the table
(stdout), OUT/results.json and one SVG chart per workload (tools/bench/report.py).
Run as root: python3 tools/bench/bench.py --build B --out B/bench. Knobs (environment):
BENCH_ROUNDS (3), BENCH_SECONDS (10), BENCH_NICS ("e1000 virtio"), BENCH_MEM (128M),
BENCH_SMP (1), BENCH_ONLY (comma list of: echo,flood,boot,mem,lb,router; default all),
BENCH_BUDGET (1200 s: a workload group that would start later is skipped and says so).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guests  # noqa: E402
import report  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
NICS = os.environ.get("BENCH_NICS", "e1000 virtio").split()
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
BULK_BYTES = 64 << 20          # per bulk sample; ~1-3 s under TCG here
MEM_PEREGRINE = [4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]   # MiB, bisected
MEM_LINUX = [32, 40, 48, 56, 64, 80, 96, 128, 192, 256]
NA = "not available in this build"
BUDGET = int(os.environ.get("BENCH_BUDGET", "1200"))


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd, timeout):
    """Run a command; (exit code, stdout+stderr). A timeout is exit code 124."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out


def kv(out, key):
    """The float value of key=VALUE in a tool's output line, or None."""
    m = re.search(rf"\b{key}=([0-9.]+)", out)
    return float(m.group(1)) if m else None


class Bench:
    def __init__(self, build, out):
        self.build, self.out = build, out
        self.loadgen = os.path.join(build, "loadgen")
        self.udprate = os.path.join(build, "udprate")
        self.results = []
        self.env = guests.Env(build, out)

    def add(self, wid, title, unit, better, p, l, status="ok", note=""):
        status = status or "ok"
        self.results.append({"id": wid, "title": title, "unit": unit, "higher_is_better": better,
                             "peregrine": p, "linux": l, "status": status, "note": note})
        log(f"{wid}: peregrine {p} linux {l} {status} {note}")

    # ---- workload 1, 2, 6: echo request/response, bulk, flood --------------------------
    def loadgen_rr(self, g, conns, secs, p99=None):
        """Transactions/s of a request/response run (None when it failed); its p99 latency
        in microseconds is appended to p99 when given."""
        rc, out = run(g.ns_cmd([self.loadgen, "-h", g.addr, "-p", "7", "-c", str(conns),
                                "-s", "64", "-d", str(secs)]), secs + 30)
        if p99 is not None:
            p99.append(kv(out, "p99_us") if rc == 0 else None)
        return kv(out, "tps") if rc == 0 else None

    def loadgen_bulk(self, g):
        rc, out = run(g.ns_cmd([self.loadgen, "-h", g.addr, "-p", "7", "-b", "-s", "65536",
                                "-n", str(BULK_BYTES), "-d", "10"]), 150)
        return kv(out, "MBps") if rc == 0 else None

    def flood_rr(self, g, kind):
        """32 echo clients while the same host floods the guest: hping3 SYNs at the echo port
        ("syn") or udprate 64 B datagrams flat out at the closed port 9 ("udp")."""
        if kind == "syn":
            cmd = ["hping3", "--flood", "-q", "-S", "-p", "7", g.addr]
        else:
            cmd = [self.udprate, "send", "-h", g.addr, "-p", "9", "-s", "64", "-d",
                   str(SECONDS + 3)]
        flood = subprocess.Popen(g.ns_cmd(["timeout", str(SECONDS + 3)] + cmd),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        try:
            return self.loadgen_rr(g, 32, SECONDS)
        finally:
            flood.kill()
            flood.wait()

    def echo(self, nic, with_flood):
        pair, msg = self.env.boot_pair(nic, "echo")
        s = {k: ([], []) for k in ("rr1", "rr32", "bulk", "syn", "udp")}
        lat = {k: ([], []) for k in ("rr1", "rr32")}
        try:
            for r in range(ROUNDS):
                log(f"echo {nic} round {r + 1}/{ROUNDS}")
                for k, n in (("rr1", 1), ("rr32", 32)):
                    for i, g in enumerate(pair):
                        if g is not None:
                            s[k][i].append(self.loadgen_rr(g, n, SECONDS, lat[k][i]))
                each(pair, self.loadgen_bulk, s["bulk"])
                if with_flood:
                    for kind in ("syn", "udp"):
                        each(pair, lambda g: self.flood_rr(g, kind), s[kind])
        finally:
            stop(pair)
        self.add(f"echo_rr1_{nic}", f"echo 64 B req/resp, 1 conn, {nic}", "transactions/s", True,
                 *s["rr1"], status=msg)
        self.add(f"echo_rr32_{nic}", f"echo 64 B req/resp, 32 conns, {nic}", "transactions/s",
                 True, *s["rr32"], status=msg)
        for k, n in (("rr1", 1), ("rr32", 32)):
            self.add(f"echo_{k}_p99_{nic}", f"echo 64 B, {n} conn(s), p99 latency, {nic}",
                     "microseconds", False, *lat[k], status=msg)
        self.add(f"echo_bulk_{nic}", f"echo bulk, 64 KiB writes, {nic}", "MB/s", True, *s["bulk"],
                 status=msg)
        for kind, what in (("syn", "hping3 SYN flood"), ("udp", "udprate 64 B UDP flood")):
            if not with_flood:
                break
            fr = []
            for i in range(2):
                base = report.median(s["rr32"][i])
                fr.append([round(x / base, 3) if x is not None and base else None
                           for x in s[kind][i]])
            self.add(f"flood_{kind}_{nic}", f"32 echo clients under {what}, {nic}",
                     "fraction of unloaded tx/s", True, *fr, status=msg,
                     note="each round's loaded tx/s over the median unloaded 32-conn figure")

    # ---- workload 5: boot time, image size, least memory --------------------------------
    def boot(self):
        t = ([], [])
        for r in range(ROUNDS):
            for i, kind in enumerate(("peregrine", "linux")):
                g = self.env.guest(kind, NICS[0], "echo")
                t[i].append(g.start_and_wait())
                g.stop()
        self.add("boot", f"boot to first answered ping, {NICS[0]}", "seconds", False, *t)
        elf, vmlinuz = (os.path.getsize(f) for f in (self.env.peregrine_elf, self.env.vmlinuz))
        self.add("image", "image size, echo (ELF; kernel + initramfs)", "bytes", False, [elf],
                 [vmlinuz + os.path.getsize(self.env.initramfs_echo)])
        self.add("image_full", "image size, all (ELF; kernel + initramfs w/ haproxy, iptables)",
                 "bytes", False, [elf], [vmlinuz + os.path.getsize(self.env.initramfs)])

    def mem_ok(self, kind, mib):
        g = self.env.guest(kind, NICS[0], "echo", mem=f"{mib}M")
        try:
            if g.start_and_wait(limit=60 if kind == "linux" else 20) is None:
                log(f"mem {kind} {mib}M: no boot ({g.last_log_line()})")
                return False
            tps = self.loadgen_rr(g, 32, 2)
            log(f"mem {kind} {mib}M: echo {'passed' if tps else 'failed'} ({g.last_log_line()})")
            return bool(tps)
        finally:
            g.stop()

    def least_mem(self, kind, sizes):
        """Bisect sizes (ascending) for the least that passes, assuming more never hurts."""
        lo, hi = 0, len(sizes) - 1
        if not self.mem_ok(kind, sizes[hi]):
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            if self.mem_ok(kind, sizes[mid]):
                hi = mid
            else:
                lo = mid + 1
        return sizes[lo]

    def mem(self):
        p = self.least_mem("peregrine", MEM_PEREGRINE)
        lx = self.least_mem("linux", MEM_LINUX)
        self.add("mem", f"least -m passing 32-conn echo for 2 s, {NICS[0]}", "MiB", False,
                 [p], [lx], note=f"probed {MEM_PEREGRINE} / {MEM_LINUX}")

    # ---- workload 3: load balancer ------------------------------------------------------
    def wrk(self, g):
        rc, out = run(g.ns_cmd(["wrk", "-t1", "-c32", f"-d{SECONDS}s", f"http://{g.addr}/"]),
                      SECONDS + 30)
        m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        bad = re.search(r"Non-2xx or 3xx responses|Socket errors", out)
        return float(m.group(1)) if rc == 0 and m and not bad else None

    def lb(self):
        wid, title = "lb_wrk", f"wrk 32 conns through the LB to 3 nginx, {NICS[0]}"
        if not self.env.has_app("lb"):
            self.add(wid, title, "requests/s", True, [], [], NA, "app=lb is not in the image")
            return
        pair, msg = self.env.boot_pair(NICS[0], "lb")
        s = ([], [])
        try:
            for r in range(ROUNDS):
                each(pair, self.wrk, s)
        finally:
            stop(pair)
        self.add(wid, title, "requests/s", True, *s, status=msg,
                 note="HAProxy 'mode tcp', roundrobin, health checks on")

    # ---- workload 4: router/firewall ----------------------------------------------------
    def router(self):
        rows = (("router_iperf", f"iperf3 TCP through the router, 100 filter rules, {NICS[0]}",
                 "Mbit/s"),
                ("router_udp64", f"64 B UDP forwarding rate, 100 filter rules, {NICS[0]}",
                 "packets/s"))
        if not self.env.has_app("router"):
            for wid, t, u in rows:
                self.add(wid, t, u, True, [], [], NA, "app=router is not in the image")
            return
        pair, msg = self.env.boot_pair(NICS[0], "router")
        tput, pps = ([], []), ([], [])
        try:
            for r in range(ROUNDS):
                each(pair, self.iperf, tput)
                each(pair, self.udp_fwd, pps)
        finally:
            stop(pair)
        self.add(rows[0][0], rows[0][1], rows[0][2], True, *tput, status=msg,
                 note="no NAT on either side; the WAN host routes back")
        self.add(rows[1][0], rows[1][1], rows[1][2], True, *pps, status=msg,
                 note="udprate flat out LAN->WAN; received pps at the WAN host")

    def iperf(self, g):
        srv = subprocess.Popen(g.wan_cmd(["iperf3", "-s", "-1"]), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        rc, out = run(g.lan_cmd(["iperf3", "-c", guests.WAN_HOST, "-t", str(SECONDS), "-J"]),
                      SECONDS + 30)
        srv.kill()
        srv.wait()
        try:
            return round(json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e6, 1)
        except (ValueError, KeyError):
            return None

    def udp_fwd(self, g):
        recv = subprocess.Popen(g.wan_cmd([self.udprate, "recv", "-p", "9000", "-d",
                                           str(SECONDS + 2)]),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.5)
        run(g.lan_cmd([self.udprate, "send", "-h", guests.WAN_HOST, "-p", "9000", "-s", "64",
                       "-d", str(SECONDS)]), SECONDS + 10)
        out = recv.communicate(timeout=SECONDS + 10)[0]
        return kv(out, "pps")

    def main(self):
        t0 = time.time()
        self.env.prepare()
        plan = [("echo", lambda: [self.echo(n, n == NICS[0] and want("flood")) for n in NICS]),
                ("boot", self.boot), ("mem", self.mem), ("lb", self.lb), ("router", self.router)]
        try:
            for name, fn in plan:
                if not (want(name) or (name == "echo" and want("flood"))):
                    continue
                if time.time() - t0 > BUDGET:   # keep `make bench` inside its 30 minutes
                    self.add(name, f"{name} workloads", "", True, [], [],
                             f"skipped: BENCH_BUDGET={BUDGET} s used up")
                    continue
                log(f"--- {name}")
                fn()
        finally:
            self.env.cleanup()
        meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                "rounds": ROUNDS, "seconds_per_sample": SECONDS, "nics": NICS,
                "qemu": self.env.qemu_common(), "linux_kernel": self.env.kver,
                "host_cpus": os.cpu_count(), "elapsed_s": round(time.time() - t0),
                "peregrine_commit": run(["git", "rev-parse", "--short", "HEAD"], 10)[1].strip(),
                "qemu_version": run(["qemu-system-x86_64", "--version"], 10)[1].split("\n")[0]}
        report.write(self.out, meta, self.results)


def each(pair, fn, dst):
    """One sample of fn per guest that is up, Peregrine first (the A of A/B)."""
    for i, g in enumerate(pair):
        if g is not None:
            dst[i].append(fn(g))


def stop(pair):
    for g in pair:
        if g is not None:
            g.stop()


def want(name):
    return not ONLY or name in ONLY


if __name__ == "__main__":
    # TERM/HUP (make interrupted, a CI timeout) unwind like Ctrl-C so guests, nginx and
    # namespaces are removed by the finally blocks.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, f: sys.exit(128 + n))
    if os.geteuid() != 0:
        sys.exit("bench: needs root (network namespaces, taps)")
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    build = args.get("--build", "build")
    out = args.get("--out", os.path.join(build, "bench"))
    os.makedirs(out, exist_ok=True)
    for tool in ("qemu-system-x86_64", "hping3", "wrk", "iperf3", "nginx", "gnuplot"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} missing: run tools/bench/deps.sh as root")
    Bench(build, out).main()
