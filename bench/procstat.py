"""CPU time from Linux's /proc, for benchmarks: unlike latencies, hardly moved by other
work on the machine."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    pgrp: int
    comm: str
    cpu_seconds: float  # user + system so far

    def cmdline(self) -> str:
        try:
            return (
                (Path("/proc") / str(self.pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        except OSError:
            return ""


def processes() -> Iterator[ProcStat]:
    """Every process now running (those that exit while being read are skipped)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
        yield ProcStat(int(stat.parent.name), int(fields[1]), int(fields[2]), comm, used)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all but idle and iowait)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


@dataclass(frozen=True)
class Cpu:
    """CPU seconds (user + system) of each process of interest, by pid, and of the machine."""

    wall: float
    processes: dict[int, tuple[str, float]]  # pid -> (party, CPU seconds so far)
    machine_busy: float

    def since(self, earlier: Cpu, parties: tuple[str, ...]) -> tuple[float, dict[str, float], float]:
        """(wall seconds, CPU seconds per party, machine busy CPU seconds) between two
        snapshots. A process that exited in between takes its CPU time with it; one
        that started counts from zero."""
        used_by = dict.fromkeys(parties, 0.0)
        for pid, (party, used) in self.processes.items():
            before = earlier.processes.get(pid)
            used_by[party] += used - (before[1] if before and before[0] == party else 0.0)
        return self.wall - earlier.wall, used_by, self.machine_busy - earlier.machine_busy


def snapshot(party_of: Callable[[ProcStat], str | None], own_party: str) -> Cpu:
    """This process under ``own_party``, and every process ``party_of`` names a party."""
    own = os.times()
    taken: dict[int, tuple[str, float]] = {os.getpid(): (own_party, own.user + own.system)}
    for proc in processes():
        party = party_of(proc)
        if party is not None and proc.pid != os.getpid():
            taken[proc.pid] = (party, proc.cpu_seconds)
    return Cpu(wall=time.monotonic(), processes=taken, machine_busy=machine_busy_seconds())
