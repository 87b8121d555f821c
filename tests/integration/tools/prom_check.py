#!/usr/bin/env python3
"""Strict check of a Prometheus text exposition (format 0.0.4) on stdin.

Rules enforced: every line is a comment (# HELP / # TYPE with a valid metric name and a known
type), or a sample `name{label="value",...} number`; each family is TYPEd at most once and
before its samples; samples of one family are contiguous; label names are valid and label
values are properly escaped; no duplicate series; counters are non-negative. Prints the
number of families and samples; exits 1 with the first error."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(" + NAME + r")(\{(.*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$")
LABEL_PAIR = re.compile(r'(' + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(lineno, msg):
    print(f"prom_check: line {lineno}: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_labels(text, lineno):
    labels, pos = [], 0
    while pos < len(text):
        m = LABEL_PAIR.match(text, pos)
        if not m:
            fail(lineno, f"bad label set {{{text}}}")
        labels.append((m.group(1), m.group(2)))
        pos = m.end()
    names = [k for k, _ in labels]
    if len(set(names)) != len(names):
        fail(lineno, "duplicate label name")
    return tuple(sorted(labels))


def main():
    types, seen_series, finished = {}, set(), set()
    current, samples = None, 0
    for lineno, line in enumerate(sys.stdin.read().split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                if not re.fullmatch(NAME, parts[2]):
                    fail(lineno, f"bad metric name {parts[2]!r}")
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        fail(lineno, "TYPE needs a known type")
                    if parts[2] in types:
                        fail(lineno, f"{parts[2]} TYPEd twice")
                    types[parts[2]] = parts[3]
            continue
        m = SAMPLE.match(line)
        if not m:
            fail(lineno, f"not a sample line: {line!r}")
        name, labels, value = m.group(1), parse_labels(m.group(3) or "", lineno), m.group(4)
        if name != current:
            if name in finished:
                fail(lineno, f"samples of {name} are not contiguous")
            if current:
                finished.add(current)
            current = name
        if name not in types:
            fail(lineno, f"sample of {name} before its TYPE")
        if (name, labels) in seen_series:
            fail(lineno, f"duplicate series {name}{dict(labels)}")
        seen_series.add((name, labels))
        v = float(value)
        if types[name] == "counter" and v < 0:
            fail(lineno, f"negative counter {name}")
        samples += 1
    if samples == 0:
        fail(0, "no samples")
    print(f"prom_check: {len(types)} families, {samples} samples")


main()
