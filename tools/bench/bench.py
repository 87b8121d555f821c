#!/usr/bin/env python3
"""make bench: Peregrine side by side with a Linux guest on identical QEMU settings (issue #8).

Boots both guests (same -accel, -smp, -m, NIC model, tap in a private network namespace),
runs each workload alternating Peregrine and Linux for several rounds, and writes the table
(stdout), OUT/results.json and one SVG chart per workload (tools/bench/report.py).
Run as root: python3 tools/bench/bench.py --build B --out B/bench. Knobs (environment):
BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_NICS ("e1000 virtio"), BENCH_MEM (128M),
BENCH_SMP (1), BENCH_ONLY (comma list of: echo,flood,boot,mem,lb,router; default all).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guests  # noqa: E402
import report  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
NICS = os.environ.get("BENCH_NICS", "e1000 virtio").split()
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
BULK_BYTES = 64 << 20          # per bulk sample; ~1-3 s under TCG here
MEM_PEREGRINE = [4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]   # MiB, bisected
MEM_LINUX = [32, 48, 64, 96, 128, 192, 256]
NA = "not available in this build"


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
        self.results.append({"id": wid, "title": title, "unit": unit, "higher_is_better": better,
                             "peregrine": p, "linux": l, "status": status, "note": note})
        log(f"{wid}: peregrine {p} linux {l} {status} {note}")

    # ---- workload 1, 2, 6: echo request/response, bulk, flood --------------------------
    def loadgen_rr(self, g, conns, secs):
        rc, out = run(g.ns_cmd([self.loadgen, "-h", g.addr, "-p", "7", "-c", str(conns),
                                "-s", "64", "-d", str(secs)]), secs + 30)
        return kv(out, "tps") if rc == 0 else None

    def loadgen_bulk(self, g):
        rc, out = run(g.ns_cmd([self.loadgen, "-h", g.addr, "-p", "7", "-b", "-s", "65536",
                                "-n", str(BULK_BYTES), "-d", "10"]), 150)
        return kv(out, "MBps") if rc == 0 else None

    def flood_rr(self, g):
        """32 echo clients while hping3 floods SYNs at the echo port from the same host."""
        flood = subprocess.Popen(g.ns_cmd(["timeout", str(SECONDS + 3), "hping3", "--flood",
                                           "-q", "-S", "-p", "7", g.addr]),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        try:
            return self.loadgen_rr(g, 32, SECONDS)
        finally:
            flood.kill()
            flood.wait()

    def echo(self, nic, with_flood):
        pair = self.env.boot_pair(nic, "echo")
        if isinstance(pair, str):
            for w in ("rr1", "rr32", "bulk"):
                self.add(f"echo_{w}_{nic}", f"echo {w} {nic}", "", True, [], [], pair)
            return
        s = {k: ([], []) for k in ("rr1", "rr32", "bulk", "flood")}
        try:
            for r in range(ROUNDS):
                log(f"echo {nic} round {r + 1}/{ROUNDS}")
                for i, g in enumerate(pair):      # A then B, every workload, every round
                    s["rr1"][i].append(self.loadgen_rr(g, 1, SECONDS))
                for i, g in enumerate(pair):
                    s["rr32"][i].append(self.loadgen_rr(g, 32, SECONDS))
                for i, g in enumerate(pair):
                    s["bulk"][i].append(self.loadgen_bulk(g))
                if with_flood:
                    for i, g in enumerate(pair):
                        s["flood"][i].append(self.flood_rr(g))
        finally:
            for g in pair:
                g.stop()
        self.add(f"echo_rr1_{nic}", f"echo 64 B req/resp, 1 conn, {nic}", "transactions/s", True,
                 *s["rr1"])
        self.add(f"echo_rr32_{nic}", f"echo 64 B req/resp, 32 conns, {nic}", "transactions/s",
                 True, *s["rr32"])
        self.add(f"echo_bulk_{nic}", f"echo bulk, 64 KiB writes, {nic}", "MB/s", True, *s["bulk"])
        if with_flood:
            fr = []
            for i in range(2):
                base = report.median(s["rr32"][i])
                fr.append([round(x / base, 3) if x is not None and base else None
                           for x in s["flood"][i]])
            self.add(f"flood_{nic}", f"32 echo clients under hping3 SYN flood, {nic}",
                     "fraction of unloaded tx/s", True, *fr,
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
        self.add("image", "image size (ELF; kernel + initramfs)", "bytes", False,
                 [os.path.getsize(self.env.peregrine_elf)],
                 [os.path.getsize(self.env.vmlinuz) + os.path.getsize(self.env.initramfs)])

    def mem_ok(self, kind, mib):
        g = self.env.guest(kind, NICS[0], "echo", mem=f"{mib}M")
        try:
            if g.start_and_wait(limit=60 if kind == "linux" else 20) is None:
                return False
            return (self.loadgen_rr(g, 32, 2) or 0) > 0
        finally:
            g.stop()

    def least_mem(self, kind, sizes):
        """Bisect sizes (ascending) for the least that passes, assuming more never hurts."""
        lo, hi = 0, len(sizes) - 1
        if not self.mem_ok(kind, sizes[hi]):
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            ok = self.mem_ok(kind, sizes[mid])
            log(f"mem {kind} {sizes[mid]}M: {'pass' if ok else 'fail'}")
            if ok:
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
    def lb(self):
        wid, title = "lb_wrk", f"wrk 32 conns through the LB to 3 nginx, {NICS[0]}"
        if not self.env.has_app("lb"):
            self.add(wid, title, "requests/s", True, [], [], NA, "app=lb is not in the image")
            return
        pair = self.env.boot_pair(NICS[0], "lb")
        if isinstance(pair, str):
            self.add(wid, title, "requests/s", True, [], [], pair)
            return
        s = ([], [])
        try:
            for r in range(ROUNDS):
                for i, g in enumerate(pair):
                    rc, out = run(g.ns_cmd(["wrk", "-t1", "-c32", f"-d{SECONDS}s",
                                            f"http://{g.addr}/"]), SECONDS + 30)
                    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
                    bad = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors", out)
                    s[i].append(float(m.group(1)) if rc == 0 and m and not bad else None)
        finally:
            for g in pair:
                g.stop()
        self.add(wid, title, "requests/s", True, *s, note="HAProxy 'mode tcp', roundrobin")

    # ---- workload 4: router/firewall ----------------------------------------------------
    def router(self):
        t1 = f"iperf3 TCP through the router, 100 filter rules, {NICS[0]}"
        t2 = f"64 B UDP forwarding rate, 100 filter rules, {NICS[0]}"
        if not self.env.has_app("router"):
            for wid, t, u in (("router_iperf", t1, "Mbit/s"), ("router_udp64", t2, "packets/s")):
                self.add(wid, t, u, True, [], [], NA, "app=router is not in the image")
            return
        pair = self.env.boot_pair(NICS[0], "router")
        if isinstance(pair, str):
            for wid, t, u in (("router_iperf", t1, "Mbit/s"), ("router_udp64", t2, "packets/s")):
                self.add(wid, t, u, True, [], [], pair)
            return
        tput, pps = ([], []), ([], [])
        try:
            for r in range(ROUNDS):
                for i, g in enumerate(pair):
                    tput[i].append(self.iperf(g))
                for i, g in enumerate(pair):
                    pps[i].append(self.udp_fwd(g))
        finally:
            for g in pair:
                g.stop()
        self.add("router_iperf", t1, "Mbit/s", True, *tput)
        self.add("router_udp64", t2, "packets/s", True, *pps,
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
                if want(name) or (name == "echo" and want("flood")):
                    log(f"--- {name}")
                    fn()
        finally:
            self.env.cleanup()
        meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                "rounds": ROUNDS, "seconds_per_sample": SECONDS, "nics": NICS,
                "qemu": self.env.qemu_common(), "linux_kernel": self.env.kver,
                "host_cpus": os.cpu_count(), "elapsed_s": round(time.time() - t0)}
        report.write(self.out, meta, self.results)


def want(name):
    return not ONLY or name in ONLY


if __name__ == "__main__":
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
