#!/usr/bin/env bash
# Records what a coopsim binary writes for a fixed set of commands, and compares two such records,
# so that a change meant to leave results alone (a restructuring, a swapped dependency) can show
# that it did, file by file, and say exactly what moved when something did.
#
# Usage:
#   scripts/compare-outputs.sh record BIN DIR    run the commands below with BIN into DIR (new or empty)
#   scripts/compare-outputs.sh diff DIR_A DIR_B  compare two records; exit 0 when identical, 1 if not
#
# A typical check:
#   cargo build --release -j 1 && cp target/release/coopsim /tmp/coopsim-before
#   scripts/compare-outputs.sh record /tmp/coopsim-before /tmp/cmp/before
#   ... change the code, build again ...
#   scripts/compare-outputs.sh record target/release/coopsim /tmp/cmp/after
#   scripts/compare-outputs.sh diff /tmp/cmp/before /tmp/cmp/after
#
# The commands (run from the repository's root, so paths inside the results are the same in every
# record; each into its own subfolder DIR/NAME, with its standard output, standard error and exit
# status beside it as DIR/NAME.stdout, DIR/NAME.stderr, DIR/NAME.status):
#   run       run scenarios/baseline_2008.toml -r 8 --threads 2
#   grid      sweep scenarios/baseline_2008.toml --vary policy.credit_guarantee.coverage=0:0.5:2 -r 6
#   oat       sweep scenarios/baseline_2008.toml --design oat --vary policy.credit_guarantee.coverage=0,0.5
#                 --vary kinds.worker_coop.fund_levy_share=0,0.06 -r 6
#   compare   compare scenarios/baseline_2008.toml scenarios/mondragon_solidarity.toml -r 6
#   validate  validate -r 6  (exit status 1 when a target is missed at so few replications: recorded,
#                             not an error of this script)
# all with --threads 2 --force --quiet and --out DIR/NAME. About 10 seconds on 2 cores.
#
# What `diff` leaves out, because it changes from one run to the next with the same results:
#   - manifest.json: the keys `wall_seconds` and `summary_seconds` (timings), wherever they are,
#     and `provenance` (the date, the commit the binary was built from, the command line). Every
#     other key is compared: the manifests hold no other timestamps, no absolute paths (the
#     commands use paths relative to the repository) and no host names; `threads` is fixed by
#     --threads 2, and `coopsim_version` is compared too (a version bump shows up as a difference).
#   - report.html: its provenance section and the dates it names ("written ... UTC") are masked.
#   - NAME.stdout: the seconds a command took ("in 12.3 s") are masked, and so is the record's own
#     folder in the "results: ..." line.
#   - .NAME.lock: the lock a run holds on its results folder's name while it writes it.
# Everything else is compared byte for byte. For CSV files that differ, the report gives, per column
# that differs, the number of differing cells and the largest absolute and relative numeric
# difference (relative to the larger magnitude of the two values). Parquet files and charts are
# compared as bytes only (the timeseries table's CSV twin carries the same numbers).
set -euo pipefail

usage() {
    sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)

record() {
    local bin=$1 dir=$2
    [[ -x $bin ]] || { echo "error: $bin is not an executable" >&2; exit 2; }
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    if [[ -e $dir ]] && [[ -n $(ls -A "$dir") ]]; then
        echo "error: $dir exists and is not empty; give a new folder" >&2
        exit 2
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local common=(--threads 2 --force --quiet)
    cd "$root"
    local names=() start
    start=$(date +%s)
    step() {
        local name=$1; shift
        names+=("$name")
        echo "coopsim $* --out DIR/$name ${common[*]}" >>"$dir/commands.txt"
        echo "$name: coopsim $*" >&2
        local status=0
        "$bin" "$@" --out "$dir/$name" "${common[@]}" >"$dir/$name.stdout" 2>"$dir/$name.stderr" \
            || status=$?
        echo "$status" >"$dir/$name.status"
        if [[ ! -d $dir/$name ]]; then
            echo "error: $name wrote no results folder (exit status $status):" >&2
            cat "$dir/$name.stderr" >&2
            exit 1
        fi
    }
    step run run scenarios/baseline_2008.toml -r 8
    step grid sweep scenarios/baseline_2008.toml --vary policy.credit_guarantee.coverage=0:0.5:2 -r 6
    step oat sweep scenarios/baseline_2008.toml --design oat \
        --vary policy.credit_guarantee.coverage=0,0.5 --vary kinds.worker_coop.fund_levy_share=0,0.06 -r 6
    step compare compare scenarios/baseline_2008.toml scenarios/mondragon_solidarity.toml -r 6
    step validate validate -r 6
    echo "recorded ${names[*]} in $dir ($(($(date +%s) - start)) s)" >&2
}

compare() {
    local a=$1 b=$2
    for d in "$a" "$b"; do
        [[ -f $d/commands.txt ]] || { echo "error: $d is not a record (no commands.txt)" >&2; exit 2; }
    done
    python3 - "$a" "$b" <<'PY'
import csv, json, math, os, re, sys

a_root, b_root = sys.argv[1], sys.argv[2]
TIMINGS = {"wall_seconds", "summary_seconds", "provenance"}

def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            # A results folder's lock (.NAME.lock beside it) is coopsim's, not a result.
            if n.startswith(".") and n.endswith(".lock"):
                continue
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out

def read(path):
    with open(path, "rb") as f:
        return f.read()

def without_timings(v):
    if isinstance(v, dict):
        return {k: without_timings(x) for k, x in v.items() if k not in TIMINGS}
    if isinstance(v, list):
        return [without_timings(x) for x in v]
    return v

def json_paths(x, y, path="$"):
    """The paths at which two JSON values differ (at most 10)."""
    if type(x) is not type(y):
        return [path]
    if isinstance(x, dict):
        out = []
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                out.append(f"{path}.{k}")
            else:
                out += json_paths(x[k], y[k], f"{path}.{k}")
        return out[:10]
    if isinstance(x, list):
        if len(x) != len(y):
            return [f"{path} (length {len(x)} vs {len(y)})"]
        out = []
        for i, (p, q) in enumerate(zip(x, y)):
            out += json_paths(p, q, f"{path}[{i}]")
        return out[:10]
    return [] if x == y else [path]

def stdout_text(data, root):
    text = data.decode("utf-8", "replace")
    text = re.sub(r"\bin \d+(\.\d+)? s\b", "in <seconds> s", text)
    return text.replace(os.path.abspath(root), "<record>")

def report_text(data):
    text = data.decode("utf-8", "replace")
    text = re.sub(r'<section id="provenance".*?</section>', "<provenance>", text, flags=re.S)
    return re.sub(r"written \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "written <date>", text)

def number(s):
    try:
        return float(s)
    except ValueError:
        return None

def csv_report(pa, pb):
    with open(pa, newline="") as f:
        ra = list(csv.reader(f))
    with open(pb, newline="") as f:
        rb = list(csv.reader(f))
    if not ra or not rb or ra[0] != rb[0]:
        return ["    header differs"]
    if len(ra) != len(rb):
        return [f"    rows differ: {len(ra) - 1} vs {len(rb) - 1}"]
    header = ra[0]
    stats = {}
    for row_a, row_b in zip(ra[1:], rb[1:]):
        if len(row_a) != len(row_b):
            return ["    a row has a different number of cells"]
        for col, x, y in zip(header, row_a, row_b):
            if x == y:
                continue
            s = stats.setdefault(col, {"cells": 0, "abs": 0.0, "rel": 0.0, "text": 0})
            s["cells"] += 1
            u, v = number(x), number(y)
            if u is None or v is None or not (math.isfinite(u) and math.isfinite(v)):
                s["text"] += 1
                continue
            d = abs(u - v)
            s["abs"] = max(s["abs"], d)
            scale = max(abs(u), abs(v))
            s["rel"] = max(s["rel"], d / scale if scale > 0 else 0.0)
    lines = []
    for col in header:
        if col in stats:
            s = stats[col]
            line = f"    {col}: {s['cells']} of {len(ra) - 1} cells, max abs {s['abs']:.3g}, max rel {s['rel']:.3g}"
            if s["text"]:
                line += f" ({s['text']} not comparable as numbers)"
            lines.append(line)
    return lines or ["    same cells, different bytes (quoting or line endings)"]

fa, fb = files(a_root), files(b_root)
differ = 0
for rel in sorted(fa | fb):
    if rel not in fb:
        print(f"only in A: {rel}"); differ += 1; continue
    if rel not in fa:
        print(f"only in B: {rel}"); differ += 1; continue
    pa, pb = os.path.join(a_root, rel), os.path.join(b_root, rel)
    da, db = read(pa), read(pb)
    if os.path.basename(rel) == "manifest.json":
        ja, jb = without_timings(json.loads(da)), without_timings(json.loads(db))
        if ja == jb:
            print(f"identical: {rel} (timings left out)")
        else:
            differ += 1
            print(f"differs: {rel}: at {', '.join(json_paths(ja, jb))}")
        continue
    if rel.endswith(".stdout"):
        same = stdout_text(da, a_root) == stdout_text(db, b_root)
        note = " (seconds and folder masked)"
    elif os.path.basename(rel) == "report.html":
        same = report_text(da) == report_text(db)
        note = " (provenance and dates masked)"
    else:
        same = da == db
        note = ""
    if same:
        print(f"identical: {rel}{note}")
        continue
    differ += 1
    print(f"differs: {rel}{note}")
    if rel.endswith(".csv"):
        for line in csv_report(pa, pb):
            print(line)
    elif rel.endswith((".stdout", ".stderr", ".md", ".toml", ".txt", ".status")):
        la = stdout_text(da, a_root).splitlines()
        lb = stdout_text(db, b_root).splitlines()
        changed = [i for i, (x, y) in enumerate(zip(la, lb)) if x != y]
        if len(la) != len(lb):
            print(f"    lines: {len(la)} vs {len(lb)}")
        for i in changed[:5]:
            print(f"    line {i + 1}: {la[i]!r}\n         vs {lb[i]!r}")
        if len(changed) > 5:
            print(f"    ... {len(changed) - 5} more lines differ")

total = len(fa | fb)
print(f"\n{total - differ} of {total} files identical, {differ} differ")
sys.exit(1 if differ else 0)
PY
}

case ${1:-} in
    record) [[ $# -eq 3 ]] || usage; record "$2" "$3" ;;
    diff) [[ $# -eq 3 ]] || usage; compare "$2" "$3" ;;
    *) usage ;;
esac
