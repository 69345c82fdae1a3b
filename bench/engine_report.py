"""Aggregation and Markdown tables for bench/engine_bench.py.

Per run (one process of one runner on one model and batch, in one round):
images/s median = B * 1000 / median latency, best = B * 1000 / min latency.
Across rounds: the median of the rounds' medians, and the best of the bests.
Convoy's ratio is to the best peer's median, followed by the lowest and the
highest ratio of a single round (Convoy's median to that peer's, round by
round: how far the noise moves it); its GFLOP/s is model FLOPs per
image (bench/model_flops.py) times its median images/s, and its fraction of
peak divides that by the oneDNN peak of its precision: the median across
rounds of each round's median per-iteration GFLOP/s from onednn-peak.
Where Convoy runs in more than one precision, each other precision is also
compared with its fp32, round by round (the median of the rounds' ratios,
and their spread).
Failed runs are left out of every statistic and listed at the end.
"""

import os
import platform
import statistics
from typing import Dict, List, Optional, Sequence

PEAK_NOTE = ("GFLOP/s count the multiply-adds of Conv, Gemm and MatMul only "
             "(bench/model_flops.py), against the peak of the same precision.")
RSS_NOTE = ("Peak RSS of each runner process (GNU time %M; bench/measured_process.py), so it includes "
            "its runtime: the Python interpreter and torch or cv2 for the Python peers, "
            "Node for ort.")
LOAD_NOTE = ("load = reading and preparing the model (for torch: building the module "
             "with its random init, plus trace/freeze/optimise for torch-frozen); "
             "first = the first run, which includes any JIT compilation or allocation.")


def _median(values: Sequence[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def _cell(records: List[Dict]) -> Dict:
    """Statistics of one runner on one model and batch over its rounds."""
    ok = [r for r in records if not r["error"]]
    by_round = {r["round"]: r["batch"] * 1000 / statistics.median(r["latencies_ms"]) for r in ok}
    per_round = list(by_round.values())
    bests = [r["batch"] * 1000 / min(r["latencies_ms"]) for r in ok]
    return {
        "rounds_ok": len(ok),
        "rounds_failed": len(records) - len(ok),
        "per_round_median_ips": per_round,
        "by_round_median_ips": by_round,
        "median_ips": _median(per_round),
        "best_ips": max(bests) if bests else None,
        "maxrss_mb": _median([r["maxrss_kb"] / 1024 for r in ok if r["maxrss_kb"]]),
        "load_ms": _median([r["load_ms"] for r in ok if r["load_ms"] is not None]),
        "first_run_ms": _median([r["first_run_ms"] for r in ok if r["first_run_ms"] is not None]),
        "errors": sorted({r["error"] for r in records if r["error"]}),
    }


def _peak(records: List[Dict]) -> Dict:
    per_round = [statistics.median(r["gflops"]) for r in records if not r["error"]]
    return {"per_round_median_gflops": per_round, "ceiling_gflops": _median(per_round),
            "errors": sorted({r["error"] for r in records if r["error"]})}


def summarize(runs: List[Dict], peaks: List[Dict], flops: Dict[str, Optional[int]],
              runners: List[str], models: List[str], batches: List[int]) -> Dict:
    """Everything the tables show, as plain data (it goes into --out too).

    cells[model][batch][runner] holds _cell's statistics (batch keys are
    strings, as in JSON); convoy[model][batch][runner] Convoy's comparisons.
    """
    precisions = sorted({r["precision"] for r in peaks})
    peak = {p: _peak([r for r in peaks if r["precision"] == p]) for p in precisions}
    cells, convoy = {}, {}
    for model in models:
        cells[model], convoy[model] = {}, {}
        for batch in batches:
            row = {runner: _cell([r for r in runs if r["model"] == model and
                                  r["batch"] == batch and r["runner"] == runner])
                   for runner in runners}
            cells[model][str(batch)] = row
            peers = {name: c["median_ips"] for name, c in row.items()
                     if not name.startswith("convoy") and c["median_ips"]}
            best_peer = max(peers, key=peers.get) if peers else None
            convoy[model][str(batch)] = {}
            for name in (n for n in runners if n.startswith("convoy")):
                ips = row[name]["median_ips"]
                precision = name.split("-", 1)[1]
                ceiling = peak.get(precision, {}).get("ceiling_gflops")
                gflops = ips * flops[model] / 1e9 if ips and flops[model] else None
                # Round by round, against the same peer in the same round.
                mine = row[name]["by_round_median_ips"]
                theirs = row[best_peer]["by_round_median_ips"] if best_peer else {}
                fp32 = row.get("convoy-fp32", {}).get("by_round_median_ips", {})
                convoy[model][str(batch)][name] = {
                    "best_peer": best_peer,
                    "ratio_to_best_peer": ips / peers[best_peer] if ips and best_peer else None,
                    "ratio_per_round": [mine[k] / theirs[k] for k in sorted(mine) if k in theirs],
                    "ratio_to_fp32_per_round": [mine[k] / fp32[k] for k in sorted(mine) if k in fp32],
                    "gflops": gflops,
                    "fraction_of_peak": gflops / ceiling if gflops and ceiling else None,
                }
    return {"runners": runners, "models": models, "batches": batches, "flops": flops,
            "peak": peak, "cells": cells, "convoy": convoy}


def _num(value: Optional[float], digits: int = 3) -> str:
    """Three significant digits, never in exponent form; "—" for missing."""
    if value is None:
        return "—"
    if value >= 10 ** digits:
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _throughput(summary: Dict, batch: int) -> List[str]:
    runners = summary["runners"]
    convoys = [n for n in runners if n.startswith("convoy")]
    header = ["model", "GFLOP/img"] + runners
    for name in convoys:
        header += [f"{name} / best peer", f"{name} GFLOP/s", f"{name} of peak"]
    rows = []
    for model in summary["models"]:
        flops = summary["flops"][model]
        row = [model, _num(flops / 1e9 if flops else None)]
        for name in runners:
            cell = summary["cells"][model][str(batch)][name]
            row.append("failed" if cell["median_ips"] is None else
                       f"{_num(cell['median_ips'])} ({_num(cell['best_ips'])})")
        for name in convoys:
            c = summary["convoy"][model][str(batch)][name]
            ratio, rounds = c["ratio_to_best_peer"], c["ratio_per_round"]
            spread = f"; {min(rounds):.2f}–{max(rounds):.2f}" if len(rounds) > 1 else ""
            row += [f"{ratio:.2f} ({c['best_peer']}{spread})" if ratio else "—", _num(c["gflops"]),
                    _num(100 * c["fraction_of_peak"], 2) + "%" if c["fraction_of_peak"] else "—"]
        rows.append(row)
    return [f"### Batch {batch}: images/s, median of rounds (best run)", ""] + _table(header, rows)


def _against_fp32(summary: Dict) -> List[str]:
    """Each reduced precision of Convoy against its own fp32, round by round."""
    others = [n for n in summary["runners"] if n.startswith("convoy") and n != "convoy-fp32"]
    if not others or "convoy-fp32" not in summary["runners"]:
        return []
    rows = []
    for model in summary["models"]:
        for batch in summary["batches"]:
            row = [model, str(batch)]
            for name in others:
                rounds = summary["convoy"][model][str(batch)][name]["ratio_to_fp32_per_round"]
                row.append(f"{statistics.median(rounds):.2f} ({min(rounds):.2f}–{max(rounds):.2f})"
                           if rounds else "—")
            rows.append(row)
    return ["### Against convoy-fp32: images/s ratio, median of rounds (spread)", ""] + _table(
        ["model", "batch"] + [f"{name} / convoy-fp32" for name in others], rows)


def _per_runner(summary: Dict, title: str, note: str, batches: List[int], value) -> List[str]:
    runners = summary["runners"]
    rows = [[model, str(batch)] + [value(summary["cells"][model][str(batch)][name])
                                   for name in runners]
            for model in summary["models"] for batch in batches]
    return [f"### {title}", "", note, ""] + _table(["model", "batch"] + runners, rows)


def _peak_lines(summary: Dict) -> List[str]:
    rows = [[precision, ", ".join(_num(g) for g in p["per_round_median_gflops"]) or "—",
             _num(p["ceiling_gflops"]), "; ".join(p["errors"])[:200]]
            for precision, p in summary["peak"].items()]
    if not rows:
        return []
    return ["### oneDNN peak (build/bench/onednn-peak)", ""] + _table(
        ["precision", "median GFLOP/s per round", "ceiling (median)", "errors"], rows)


def _failures(summary: Dict) -> List[str]:
    lines = []
    for model, by_batch in summary["cells"].items():
        for batch, row in by_batch.items():
            for name, cell in row.items():
                for error in cell["errors"]:
                    lines.append(f"- {name} on {model} batch {batch} "
                                 f"({cell['rounds_failed']} of "
                                 f"{cell['rounds_failed'] + cell['rounds_ok']} rounds): "
                                 f"{error[:300]}")
    return ["### Failures", ""] + lines if lines else []


def markdown(summary: Dict, args) -> str:
    """The report: throughput per batch, peak, RSS, load times, failures."""
    lines = [f"## Engine benchmark: {args.rounds} rounds, >= {args.seconds:g} s and "
             f">= {args.min_runs} runs per process, {args.threads} threads", ""]
    for batch in summary["batches"]:
        lines += _throughput(summary, batch) + [""]
    against = _against_fp32(summary)
    lines += against + ([""] if against else [])
    lines += [PEAK_NOTE, ""]
    peak = _peak_lines(summary)
    lines += peak + ([""] if peak else [])
    lines += _per_runner(summary, "Peak RSS, MB (median of rounds)", RSS_NOTE,
                         summary["batches"], lambda c: _num(c["maxrss_mb"])) + [""]
    smallest = [min(summary["batches"])]
    lines += _per_runner(summary, "Load and first run, ms (median of rounds): load / first",
                         LOAD_NOTE, smallest,
                         lambda c: f"{_num(c['load_ms'])} / {_num(c['first_run_ms'])}") + [""]
    lines += _failures(summary)
    return "\n".join(lines).rstrip() + "\n"


def environment() -> Dict:
    """What the numbers depend on besides the code: CPU, threads settings, load."""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "loadavg_at_end": os.getloadavg(),
            "thread_env": {k: v for k, v in os.environ.items()
                           if k.startswith(("OMP_", "MKL_", "DNNL_", "ONEDNN_", "KMP_"))}}
