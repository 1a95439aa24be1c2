"""Where per-file work runs: in this process, in local worker processes, or on Dask (issue 9).

The runner hands ``map_files`` the per-file calls a stage needs (the files
whose cached result is missing) and gets back one outcome per call, in the
order given, so the tables are the same whichever engine ran them:

``local``, one worker (or a corpus smaller than ``parallel_min_mb``)
    Serial, in this process.
``local``, several workers
    A ``multiprocessing`` pool of ``workers`` processes (0: one per core),
    started with ``spawn`` so no lock or thread of this process is copied.
``dask``
    ``dask.distributed``: the scheduler at ``scheduler`` (``tcp://host:8786``),
    or a ``LocalCluster`` of ``workers`` single-threaded processes when no
    address is given.  Needs the optional extra: ``pip install '.[dask]'``.

Each call has a time limit (``file_timeout`` seconds, 0 for none): a file
whose result has not arrived that long after the engine started waiting for
it is skipped with one line naming it, and the batch goes on.  In a worker
pool the stuck worker is killed when the pool closes; in the serial engine
the limit is a ``SIGALRM`` timer (main thread on Unix only).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, SourceError

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Call:
    """One per-file call: ``func(*args, **kwargs)``; ``label`` names the file in messages."""

    label: str
    func: Callable[..., Any]
    args: tuple
    kwargs: dict
    size: int = 0  # bytes of input, to decide whether worker processes pay off


@dataclass(frozen=True)
class Outcome:
    """What one call gave: ``value``, or ``skipped`` with the reason (a SourceError or the time limit)."""

    label: str
    value: Any = None
    skipped: str | None = None


def check_engine(kind: str, workers: int, file_timeout: float, scheduler: str = "") -> None:
    """Validate engine settings before any file is read.

    Raises
    ------
    ConfigError
        For an unknown engine, a negative worker count or time limit, a
        scheduler address without ``--engine dask``, or Dask not installed.

    Examples
    --------
    >>> check_engine("local", 0, 300.0)
    >>> check_engine("spark", 0, 300.0)
    Traceback (most recent call last):
    ...
    pipeline.errors.ConfigError: engine.kind must be one of local, dask, not 'spark'. Use --engine local or --engine dask.
    """
    if kind not in ENGINES:
        raise ConfigError(f"engine.kind must be one of {', '.join(ENGINES)}, not {kind!r}. Use --engine local or --engine dask.")
    if workers < 0:
        raise ConfigError(f"engine.workers must be 0 (one per core) or more, not {workers}. Fix it in the config.")
    if file_timeout < 0:
        raise ConfigError(f"engine.file_timeout must be 0 (no limit) or more seconds, not {file_timeout}. Fix it in the config.")
    if scheduler and kind != "dask":
        raise ConfigError(f"A scheduler address ({scheduler}) needs the Dask engine. Add --engine dask.")
    if kind == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise ConfigError("--engine dask needs Dask, which is not installed. Install the extra: pip install '.[dask]'.") from None


def map_files(
    calls: Sequence[Call],
    *,
    kind: str = "local",
    workers: int = 0,
    scheduler: str = "",
    file_timeout: float = 0.0,
    parallel_min_mb: float = 4.0,
) -> Iterator[Outcome]:
    """Run every call and yield its ``Outcome`` in the order of ``calls``.

    A ``SourceError`` raised by a call becomes a skipped outcome; any other
    exception is a bug and propagates.  Results do not depend on the engine.

    Examples
    --------
    >>> calls = [Call("甲.txt", len, ("政协",), {}), Call("乙.txt", len, ("工作报告",), {})]
    >>> [o.value for o in map_files(calls, workers=1)]
    [2, 4]
    """
    check_engine(kind, workers, file_timeout, scheduler)
    if not calls:
        return
    n = workers or os.cpu_count() or 1
    if kind == "dask":
        yield from _dask(calls, n, scheduler, file_timeout)
    elif n == 1 or len(calls) < 2 or sum(c.size for c in calls) < parallel_min_mb * 1e6:
        for c in calls:
            yield _serial(c, file_timeout)
    else:
        yield from _pool(calls, min(n, len(calls)), file_timeout)


def _run(call: Call) -> Outcome:
    """Run one call where it lands (module level, so it pickles)."""
    try:
        return Outcome(call.label, value=call.func(*call.args, **call.kwargs))
    except SourceError as exc:
        return Outcome(call.label, skipped=exc.reason)


def _ready(_: int) -> None:
    from .ingest import mojibake

    mojibake.char_model()  # from the disk cache: every worker needs it, so load it before timing files


def _late(label: str, seconds: float) -> Outcome:
    return Outcome(label, skipped=f"took longer than the per-file limit of {seconds:g} s (engine.file_timeout); skipped")


class _Timeout(Exception):
    pass


@contextmanager
def _alarm(seconds: float):
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def fire(_signum, _frame):
        raise _Timeout

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _serial(call: Call, seconds: float) -> Outcome:
    try:
        with _alarm(seconds):
            return _run(call)
    except _Timeout:
        return _late(call.label, seconds)


def _pool(calls: Sequence[Call], n: int, seconds: float) -> Iterator[Outcome]:
    # spawn: a fork would copy this process's threads and locks (tqdm, pyarrow).
    pool = multiprocessing.get_context("spawn").Pool(n)
    try:
        # Start every worker (imports, models) before any clock runs: start-up is not a file's time.
        pool.map(_ready, range(n), chunksize=1)
        pending = [pool.apply_async(_run, (c,)) for c in calls]
        for call, res in zip(calls, pending, strict=True):
            try:
                yield res.get(timeout=seconds or None)
            except multiprocessing.TimeoutError:
                yield _late(call.label, seconds)
        pool.close()
    finally:
        pool.terminate()  # kills a worker still stuck on a skipped file
        pool.join()


def _dask(calls: Sequence[Call], n: int, scheduler: str, seconds: float) -> Iterator[Outcome]:
    from dask.distributed import Client, LocalCluster
    from dask.distributed import TimeoutError as DaskTimeout

    cluster = None if scheduler else LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                  dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        if cluster is not None:
            client.wait_for_workers(n)
        futures = client.map(_run, list(calls), pure=False)
        for call, fut in zip(calls, futures, strict=True):
            try:
                yield fut.result(timeout=seconds or None)
            except (DaskTimeout, TimeoutError):
                fut.cancel()
                yield _late(call.label, seconds)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
