"""Benchmark of the policies area (``yiwang bench policies --json``): 政策直达 at city scale.

Steps, each reported separately:

1. the city's Parquet files (seed's city scale, 4 M enterprises), generated once and cached;
2. the enterprise profile frame from them (``profile_build_s``);
3. ``match_all_s``: the engine's batch matcher (``policies.matching.match``: chunked, one result row per eligible
   or excluded pair) over every subject for all policies — the shipped enterprise policies plus deterministic
   parameter variants, each validated by the engine — with peak memory;
4. ``explain_p95_ms``: per (subject, policy) explanations by the interpreter (``matching.judge`` with the full
   trace, plus the policies linked to it by exclusions), checked against the batch result;
5. ``vs_openfisca``: OpenFisca (in its own virtual environment, in a subprocess) computing the same shipped
   policy on the same subjects; ratio of OpenFisca's calculation time to the engine's, awards compared exactly.

The database is not involved: profiles come from Parquet, as the registry snapshot does for batch jobs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from yiwang.bench import policies_data as data
from yiwang.config import Settings
from yiwang.policies import matching, profiles

TARGET_SECONDS = 60.0
"""Issue 政策直达 item 8: 4 M enterprises × 100 policies in under 60 s on 2 cores."""
OPENFISCA_REQUIREMENT = "openfisca-core==46.0.1"
"""The OpenFisca release the model in ``bench/openfisca`` is written for (installs on Python 3.11)."""
OPENFISCA_SCRIPT = Path(__file__).with_name("openfisca") / "run.py"
REPEATS = 5
"""Runs of each side of the OpenFisca comparison; the best is compared (a shared machine adds noise)."""


class OpenFiscaUnavailableError(RuntimeError):
    """OpenFisca could not be installed or run; the message is the exact reason."""


@dataclass(frozen=True, slots=True)
class Options:
    """What to run (the CLI's options)."""

    scale: str = "city"
    policies: int = 100
    subjects: int | None = None
    openfisca_subjects: int = 1_000_000
    explain_samples: int = 1_000
    seed: int | None = None
    as_of: dt.date = data.DEFAULT_AS_OF
    data_dir: Path | None = None
    persons: int | None = None
    enterprises: int | None = None
    install_openfisca: bool = True
    progress: bool = True


class _Log:
    """Progress lines on stderr (stdout's last line is the JSON result)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(f"[{time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux ``VmHWM``, else ``ru_maxrss``)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark so a step's own peak can be read (Linux only)."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def run(settings: Settings, options: Options | None = None, **overrides: object) -> dict[str, object]:
    """Run the benchmark and return its figures (keys documented in ``docs/benchmarks-policies.md``)."""
    opts = options or Options()
    if overrides:
        opts = dataclasses.replace(opts, **overrides)  # type: ignore[arg-type]
    if opts.scale not in data.SCALES:
        raise ValueError(f"未知的数据规模“{opts.scale}”：应为 {' / '.join(data.SCALES)}")
    log = _Log(enabled=opts.progress)
    seed = settings.seed if opts.seed is None else opts.seed
    persons, enterprises = data.SCALES[opts.scale]
    persons, enterprises = opts.persons or persons, opts.enterprises or enterprises
    directory = opts.data_dir or data.city_directory(scale=opts.scale, seed=seed, as_of=opts.as_of)
    result: dict[str, object] = {
        "scale": opts.scale,
        "seed": seed,
        "as_of": opts.as_of.isoformat(),
        "cpus": os.cpu_count(),
        "polars_threads": pl.thread_pool_size(),
        "data_dir": str(directory),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }

    log(f"城市数据 city data: {directory} ({enterprises:,} 企业 enterprises)")
    generated = data.ensure_city(
        directory, seed=seed, as_of=opts.as_of, persons=persons, enterprises=enterprises, progress=opts.progress
    )
    result["data_generate_s"] = None if generated is None else round(generated, 1)

    log("构建企业画像 building enterprise profiles")
    started, cpu = time.perf_counter(), time.process_time()
    frame = data.enterprise_profiles(directory, as_of=opts.as_of, limit=opts.subjects)
    result["profile_build_s"] = round(time.perf_counter() - started, 2)
    result["profile_build_cpu_s"] = round(time.process_time() - cpu, 2)
    result["subjects"] = frame.height
    result["profile_rss_mb"] = _peak_rss_mb()

    plans = data.load_plans(opts.policies)
    result["policies"] = len(plans)
    result["exclusion_pairs"] = len(matching.exclusion_pairs(plans))
    log(f"全量匹配 matching {len(plans)} policies × {frame.height:,} subjects")
    measured = _reset_peak_rss()
    started, cpu = time.perf_counter(), time.process_time()
    found = matching.match(frame, plans, as_of=opts.as_of)
    match_seconds = time.perf_counter() - started
    result["match_all_s"] = round(match_seconds, 2)
    # CPU seconds of all threads: with other work on the machine, wall time alone overstates the engine's cost.
    result["match_all_cpu_s"] = round(time.process_time() - cpu, 2)
    result["pairs_per_s"] = round(frame.height * len(plans) / match_seconds) if match_seconds else None
    result["match_peak_rss_mb"] = _peak_rss_mb() if measured else None
    result["result_rows"] = found.height
    result["eligible_pairs"] = int(found["eligible"].sum())
    result["excluded_pairs"] = int(found["excluded_by"].is_not_null().sum())
    result["awards_total_yuan"] = int(found["award"].sum() or 0)
    result["target_s"] = TARGET_SECONDS
    result["target_met"] = match_seconds < TARGET_SECONDS

    log(f"逐户解释 explaining {opts.explain_samples} random (subject, policy) pairs")
    result.update(_explain(frame, found, plans, as_of=opts.as_of, samples=opts.explain_samples, seed=seed))
    del found

    log("与 OpenFisca 对比 comparing with OpenFisca")
    result.update(_versus_openfisca(frame, opts, log=log))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    log("完成 done")
    return result


# --- explanations --------------------------------------------------------------------------------------------


def exclusion_groups(plans: Sequence[matching.Plan]) -> dict[str, list[matching.Plan]]:
    """For each policy, the policies connected to it through exclusions (itself included), in plan order.

    Exclusions are applied pairwise in a fixed order, so a policy's outcome can depend on its partners' own
    partners; the connected component is exactly what one explanation has to judge.
    """
    neighbours: dict[str, set[str]] = {p.id: set() for p in plans}
    for a, b in matching.exclusion_pairs(plans):
        neighbours[a].add(b)
        neighbours[b].add(a)
    groups: dict[str, list[matching.Plan]] = {}
    for item in plans:
        if item.id in groups:
            continue
        seen, todo = {item.id}, [item.id]
        while todo:
            for other in neighbours[todo.pop()]:
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        members = [p for p in plans if p.id in seen]
        for member in members:
            groups[member.id] = members
    return groups


def explain_one(
    frame: pl.DataFrame, index: int, item: matching.Plan, group: Sequence[matching.Plan], *, as_of: dt.date
) -> matching.Judgement:
    """One explanation: the subject's profile row, the policy judged with its full trace, exclusions applied."""
    profile = profiles.row_dict(frame, index)
    judgements = {p.id: matching.judge(p, profile, as_of=as_of, with_trace=p.id == item.id) for p in group}
    matching.apply_exclusions(judgements, group)
    return judgements[item.id]


def batch_outcomes(found: pl.DataFrame, pairs: Sequence[tuple[int, str]]) -> dict[tuple[int, str], tuple[bool, int]]:
    """(eligible, award) of (row, policy id) pairs in :func:`matching.match`'s result (absent: not eligible, 0)."""
    rows = sorted({row for row, _ in pairs})
    hits = found.filter(pl.col(matching.ROW).is_in(rows))
    known = {
        (row, str(pid)): (bool(eligible), int(award))
        for row, pid, eligible, award in hits.select(matching.ROW, matching.POLICY, "eligible", "award").iter_rows()
    }
    return {pair: known.get(pair, (False, 0)) for pair in pairs}


def _explain(
    frame: pl.DataFrame,
    found: pl.DataFrame,
    plans: Sequence[matching.Plan],
    *,
    as_of: dt.date,
    samples: int,
    seed: int,
) -> dict[str, object]:
    if samples <= 0 or frame.height == 0:
        return {"explain_samples": 0, "explain_p50_ms": None, "explain_p95_ms": None, "explain_mismatches": 0}
    rng = random.Random(seed)
    groups = exclusion_groups(plans)
    picks = [(rng.randrange(frame.height), rng.choice(plans)) for _ in range(samples)]
    expected = batch_outcomes(found, [(index, item.id) for index, item in picks])
    timings: list[float] = []
    mismatches = 0
    for index, item in picks:
        started = time.perf_counter()
        judgement = explain_one(frame, index, item, groups[item.id], as_of=as_of)
        timings.append((time.perf_counter() - started) * 1000)
        if (judgement.eligible, judgement.award) != expected[index, item.id]:
            mismatches += 1
    return {
        "explain_samples": samples,
        "explain_p50_ms": round(statistics.median(timings), 2),
        "explain_p95_ms": round(_percentile(timings, 0.95), 2),
        "explain_max_ms": round(max(timings), 2),
        "explain_mismatches": mismatches,
    }


# --- OpenFisca -----------------------------------------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _has_openfisca(python: Path) -> bool:
    if not python.exists():
        return False
    check = subprocess.run([str(python), "-c", "import openfisca_core"], capture_output=True, timeout=120, check=False)
    return check.returncode == 0


def openfisca_python(venv: Path, *, install: bool) -> Path:
    """The Python of the OpenFisca virtual environment, created with ``uv`` when missing and allowed."""
    python = _venv_python(venv)
    if _has_openfisca(python):
        return python
    if not install:
        raise OpenFiscaUnavailableError(f"OpenFisca 虚拟环境不存在或不可用：{venv}")
    uv = shutil.which("uv")
    if uv is None:
        raise OpenFiscaUnavailableError("找不到 uv，无法创建 OpenFisca 虚拟环境")
    steps = (
        [uv, "venv", "--python", sys.executable, str(venv)],
        [uv, "pip", "install", "--python", str(python), OPENFISCA_REQUIREMENT],
    )
    for command in steps:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise OpenFiscaUnavailableError(f"{' '.join(command[1:3])} 失败（{done.returncode}）：{' | '.join(tail)}")
    return python


def single_policy_awards(frame: pl.DataFrame, item: matching.Plan, *, as_of: dt.date) -> np.ndarray:
    """One award per subject (0 when not eligible) by the engine's batch matcher, as OpenFisca returns them."""
    found = matching.match(frame, [item], as_of=as_of)
    awards = np.zeros(frame.height, dtype=np.int64)
    awards[found[matching.ROW].to_numpy()] = found["award"].to_numpy()
    return awards


def _best_single(frame: pl.DataFrame, item: matching.Plan, *, as_of: dt.date) -> tuple[float, float, np.ndarray]:
    """Best wall and best CPU seconds over ``REPEATS`` runs, and the awards."""
    best, best_cpu, awards = float("inf"), float("inf"), np.zeros(0, dtype=np.int64)
    for _ in range(REPEATS):
        started, cpu = time.perf_counter(), time.process_time()
        awards = single_policy_awards(frame, item, as_of=as_of)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best, best_cpu, awards


def _versus_openfisca(frame: pl.DataFrame, opts: Options, *, log: _Log) -> dict[str, object]:
    count = min(opts.openfisca_subjects, frame.height)
    result: dict[str, object] = {
        "vs_openfisca": None,
        "openfisca_policy": data.RETENTION_POLICY,
        "openfisca_subjects": count,
        "openfisca_version": None,
    }
    if count <= 0:
        result["vs_openfisca_error"] = "未比较：--openfisca-subjects 为 0 或没有企业"
        return result
    try:
        python = openfisca_python(data.cache_root() / "openfisca-venv", install=opts.install_openfisca)
    except (OpenFiscaUnavailableError, OSError, subprocess.SubprocessError) as error:
        result["vs_openfisca_error"] = str(error)
        return result
    subset = frame.head(count)
    item = next(p for p in data.load_plans(opts.policies or 1) if p.id == data.RETENTION_POLICY)
    yiwang_seconds, yiwang_cpu, ours = _best_single(subset, item, as_of=opts.as_of)
    with tempfile.TemporaryDirectory(prefix="yiwang-openfisca-") as scratch:
        inputs, output = Path(scratch) / "inputs.npz", Path(scratch) / "awards.npy"
        data.export_openfisca_inputs(subset, inputs)
        log(f"OpenFisca: {count:,} subjects, {REPEATS} runs")
        command = [
            str(python),
            str(OPENFISCA_SCRIPT),
            str(inputs),
            str(output),
            data.openfisca_period(opts.as_of),
            str(REPEATS),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            result["vs_openfisca_error"] = f"OpenFisca 计算失败（{done.returncode}）：{' | '.join(tail)}"
            return result
        report = json.loads(done.stdout.strip().splitlines()[-1])
        theirs = np.load(output)
    differing = int(np.count_nonzero(theirs != ours))
    openfisca_seconds, openfisca_cpu = float(report["seconds"]), float(report["cpu_seconds"])
    result.update(
        vs_openfisca=round(openfisca_seconds / yiwang_seconds, 2) if yiwang_seconds > 0 else None,
        # The same ratio in CPU seconds (all threads): less sensitive to other work on the machine.
        vs_openfisca_cpu=round(openfisca_cpu / yiwang_cpu, 2) if yiwang_cpu > 0 else None,
        openfisca_version=report["openfisca_version"],
        openfisca_s=round(openfisca_seconds, 4),
        openfisca_cpu_s=round(openfisca_cpu, 4),
        yiwang_single_policy_s=round(yiwang_seconds, 4),
        yiwang_single_policy_cpu_s=round(yiwang_cpu, 4),
        openfisca_awards_identical=differing == 0,
        openfisca_awards_differing=differing,
        openfisca_eligible=int(np.count_nonzero(ours)),
    )
    return result
