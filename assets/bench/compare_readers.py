#!/usr/bin/env python3
"""Times polars and DuckDB `read_csv` of a Polygon stocks-trades flat file, on 1 and 2
threads, for `tapedeck bench-import`.

    python3 compare_readers.py FILE.csv [--expect-rows N] [--expect-volume V]
                               [--expect-checksum C] [--venv DIR]

polars and duckdb are taken from this interpreter when it has them, else installed from PyPI
(`pip install polars duckdb`) into a virtual environment (default
$XDG_CACHE_HOME/tapedeck/bench-venv, reused across runs), else with `pip install --user`.
Each reader runs in its own process so its thread setting (POLARS_MAX_THREADS, DuckDB's
`SET threads`) takes effect. Both are given the file's 13-column schema (no type inference),
read every column into memory, and are timed for that read alone; the checksum is computed
afterwards, untimed: rows, sum(size) and sum(round(price * 100) * size), as tapedeck defines it.

Prints one human line per reader and one `RESULT {json}` line per reader for tapedeck. Exits 0
even when pip fails (it says why); non-zero only on bad arguments.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

COLUMNS = [
    ("ticker", "str"),
    ("conditions", "str"),
    ("correction", "int"),
    ("exchange", "int"),
    ("id", "str"),
    ("participant_timestamp", "int"),
    ("price", "float"),
    ("sequence_number", "int"),
    ("sip_timestamp", "int"),
    ("size", "int"),
    ("tape", "int"),
    ("trf_id", "int"),
    ("trf_timestamp", "int"),
]


def worker_polars(path):
    import polars as pl

    types = {"str": pl.String, "int": pl.Int64, "float": pl.Float64}
    schema = {name: types[t] for name, t in COLUMNS}
    t0 = time.perf_counter()
    df = pl.read_csv(path, schema=schema)
    seconds = time.perf_counter() - t0
    out = df.select(
        pl.len().alias("rows"),
        pl.col("size").sum().alias("volume"),
        ((pl.col("price") * 100).round(0).cast(pl.Int64) * pl.col("size"))
        .sum()
        .alias("checksum"),
    ).row(0)
    return seconds, int(out[0]), int(out[1]), int(out[2]), f"polars {pl.__version__}, threads {pl.thread_pool_size()}"


def worker_duckdb(path, threads):
    import duckdb

    types = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE"}
    cols = ", ".join(f"'{name}': '{types[t]}'" for name, t in COLUMNS)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    lit = "'" + str(path).replace("'", "''") + "'"
    t0 = time.perf_counter()
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_csv({lit}, header = true, columns = {{{cols}}})"
    )
    seconds = time.perf_counter() - t0
    rows, volume, checksum = con.execute(
        "SELECT count(*), sum(size), sum(CAST(round(price * 100) AS BIGINT) * size) FROM t"
    ).fetchone()
    got = con.execute("SELECT current_setting('threads')").fetchone()[0]
    return seconds, int(rows), int(volume), int(checksum), f"duckdb {duckdb.__version__}, threads {got}"


def run_worker(args):
    if args.worker == "polars":
        seconds, rows, volume, checksum, note = worker_polars(args.file)
    else:
        seconds, rows, volume, checksum, note = worker_duckdb(args.file, args.threads)
    print(json.dumps({"seconds": seconds, "rows": rows, "volume": volume,
                      "checksum": checksum, "note": note}))


def can_import(python):
    r = subprocess.run([python, "-c", "import polars, duckdb"], capture_output=True)
    return r.returncode == 0


def default_venv():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tapedeck" / "bench-venv"


def find_python(venv):
    """An interpreter with polars and duckdb, installing them if needed; (python, why-not)."""
    if can_import(sys.executable):
        return sys.executable, None
    why = []
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"creating a virtual environment in {venv}", flush=True)
        r = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
        if r.returncode != 0:
            why.append(f"python3 -m venv failed: {r.stderr.strip()[-300:]}")
    if py.exists():
        if can_import(str(py)):
            return str(py), None
        print("installing polars and duckdb from PyPI into the virtual environment", flush=True)
        r = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "polars", "duckdb"], capture_output=True, text=True)
        if r.returncode == 0 and can_import(str(py)):
            return str(py), None
        why.append(f"pip install into {venv} failed: {(r.stderr or r.stdout).strip()[-500:]}")
    print("installing polars and duckdb from PyPI with --user", flush=True)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--user",
                        "--disable-pip-version-check", "polars", "duckdb"],
                       capture_output=True, text=True)
    if r.returncode == 0 and can_import(sys.executable):
        return sys.executable, None
    why.append(f"pip install --user failed: {(r.stderr or r.stdout).strip()[-500:]}")
    return None, "; ".join(why)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--expect-rows", type=int)
    ap.add_argument("--expect-volume", type=int)
    ap.add_argument("--expect-checksum", type=int)
    ap.add_argument("--venv", type=Path, default=default_venv())
    ap.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per reader and thread count; the median time is reported")
    ap.add_argument("--worker", choices=["polars", "duckdb"], help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        args.threads = args.threads[0]
        run_worker(args)
        return 0

    python, why = find_python(args.venv)
    if python is None:
        print(f"polars/duckdb not available, readers skipped: {why}", flush=True)
        return 0

    for reader in ("polars", "duckdb"):
        for threads in args.threads:
            env = dict(os.environ)
            env["POLARS_MAX_THREADS"] = str(threads)
            label = f"{reader} read_csv"
            runs = []
            for _ in range(max(1, args.repeat)):
                r = subprocess.run(
                    [python, os.path.abspath(__file__), str(args.file), "--worker", reader,
                     "--threads", str(threads)],
                    env=env, capture_output=True, text=True)
                if r.returncode != 0:
                    break
                runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
            if r.returncode != 0:
                err = (r.stderr or r.stdout).strip().splitlines()
                print(f"{label:<16} threads {threads}: failed: {err[-1] if err else r.returncode}",
                      flush=True)
                print("RESULT " + json.dumps({"reader": label, "threads": threads, "rows": 0,
                                              "seconds": 0.0, "ok": False,
                                              "note": "failed: " + (err[-1] if err else "")}),
                      flush=True)
                continue
            # Each run is a fresh process; the median run is reported.
            runs.sort(key=lambda x: x["seconds"])
            res = runs[len(runs) // 2]
            res["note"] += f"; median of {len(runs)}"
            ok = True
            for key, want in (("rows", args.expect_rows), ("volume", args.expect_volume),
                              ("checksum", args.expect_checksum)):
                if want is not None and res[key] != want:
                    ok = False
                    res["note"] += f"; {key} {res[key]} != {want}"
            rate = res["rows"] / res["seconds"] / 1e6 if res["seconds"] > 0 else 0.0
            print(f"{label:<16} threads {threads}: {res['rows']:,} rows in {res['seconds']:.3f} s "
                  f"({rate:.2f} M rows/s), checksum {'ok' if ok else 'MISMATCH'} ({res['note']})",
                  flush=True)
            print("RESULT " + json.dumps({"reader": label, "threads": threads,
                                          "rows": res["rows"], "seconds": res["seconds"],
                                          "ok": ok, "note": res["note"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
