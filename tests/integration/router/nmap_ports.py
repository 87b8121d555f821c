#!/usr/bin/env python3
"""Summarise nmap grepable output (-oG) for one host as one line:
   open=8080 closed=113 filtered=1024 other=
open/closed are sorted port lists; filtered counts explicit and ignored filtered ports; other
lists the rest (explicit ports in other states, and "closed:N" for N ignored closed ports).
"""
import re
import sys


def main(path):
    states = {"open": [], "closed": [], "filtered": [], "other": []}
    ignored = 0
    other = []
    for line in open(path):
        if not line.startswith("Host:") or "Ports:" not in line:
            continue
        ports = line.split("Ports:", 1)[1].split("\t")[0]
        for ent in ports.split(","):
            f = ent.strip().split("/")
            if len(f) < 2 or not f[0].isdigit():
                continue
            key = f[1] if f[1] in ("open", "closed", "filtered") else "other"
            states[key].append(int(f[0]))
        m = re.search(r"Ignored State: (\S+) \((\d+)\)", line)
        if m and m.group(1) == "filtered":
            ignored += int(m.group(2))
        elif m:
            other.append("%s:%s" % (m.group(1), m.group(2)))
    print("open=%s closed=%s filtered=%d other=%s" % (
        ",".join(map(str, sorted(states["open"]))),
        ",".join(map(str, sorted(states["closed"]))),
        len(states["filtered"]) + ignored,
        ",".join([str(p) for p in sorted(states["other"])] + other)))


if __name__ == "__main__":
    main(sys.argv[1])
