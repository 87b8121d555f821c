"""Results of make bench: the side-by-side table (stdout and OUT/table.txt), OUT/results.json
and one gnuplot SVG chart per workload (OUT/NAME.svg: min/median/max bars per system).
A failed sample is None: it is listed in the JSON and counted in the table, never averaged.
"""
import json
import os
import subprocess


def median(xs):
    v = sorted(x for x in xs if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def stats(xs):
    v = [x for x in xs if x is not None]
    if not v:
        return None
    return {"min": min(v), "median": median(v), "max": max(v), "n": len(v),
            "failed": len(xs) - len(v)}


def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f}M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:.1f}k"
    return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def cell(s):
    if s is None:
        return "-"
    c = f"{fmt(s['median'])} ({fmt(s['min'])}..{fmt(s['max'])})"
    return c + (f" {s['failed']} failed" if s["failed"] else "")


def table(meta, results):
    rows = [("workload", "unit", "Peregrine med (min..max)", "Linux med (min..max)", "P/L")]
    notes = []
    for r in results:
        p, l = r["stats"]["peregrine"], r["stats"]["linux"]
        if r["status"] != "ok" and not (p or l):
            rows.append((r["title"], r["unit"], r["status"], "", ""))
            continue
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        rows.append((r["title"], r["unit"], cell(p), cell(l), ratio))
        if r["status"] != "ok":
            notes.append(f"  {r['title']}: {r['status']}")
    w = [max(len(row[i]) for row in rows) for i in range(5)]
    out = [f"Peregrine vs Linux guest ({meta['linux_kernel']}), QEMU {' '.join(meta['qemu'][1:])}, "
           f"{meta['rounds']} rounds x {meta['seconds_per_sample']} s, A/B alternated, "
           f"{meta['elapsed_s']} s total"]
    for i, row in enumerate(rows):
        out.append("  ".join(c.ljust(w[j]) for j, c in enumerate(row)).rstrip())
        if i == 0:
            out.append("  ".join("-" * x for x in w))
    out.append("P/L = Peregrine median / Linux median (for seconds, bytes and MiB lower is better)")
    out += notes
    return "\n".join(out)


def chart(out, r):
    """One SVG: a bar at the median for each system, error bars from min to max."""
    dat = os.path.join(out, f"{r['id']}.dat")
    with open(dat, "w") as f:
        for name in ("peregrine", "linux"):
            s = r["stats"][name]
            if s:
                f.write(f"{name.capitalize()} {s['median']} {s['min']} {s['max']}\n")
    script = f"""set terminal svg size 640,400 dynamic
set output '{os.path.join(out, r['id'] + '.svg')}'
set title "{r['title'].replace('"', "'")}"
set ylabel "{r['unit']}"
set xlabel "bar: median of {len(r['peregrine']) or len(r['linux'])} rounds; whiskers: min..max"
set style fill solid 0.6
set boxwidth 0.5
set yrange [0:*]
set xrange [-0.6:1.6]
set grid ytics
unset key
plot '{dat}' using 0:2:xtic(1) with boxes lc rgb '#4477aa', \\
     '' using 0:2:3:4 with yerrorbars lc rgb 'black' pt 7
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


def write(out, meta, results):
    for r in results:
        r["stats"] = {k: stats(r[k]) for k in ("peregrine", "linux")}
        p, l = (r["stats"][k] for k in ("peregrine", "linux"))
        r["ratio"] = p["median"] / l["median"] if p and l and l["median"] else None
        if r["status"] == "ok" and not (p and l):
            r["status"] = "failed: no successful sample from" + ("" if p else " Peregrine") + \
                ("" if l else " Linux")
    text = table(meta, results)
    print(text)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    for r in results:
        if r["stats"]["peregrine"] or r["stats"]["linux"]:
            chart(out, r)
