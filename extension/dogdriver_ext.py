"""dogdriver's Molotov extension: one line per HTTP request, written as it completes.

Loaded with `molotov --use-extension <this file> -- scenario.py`. It wraps molotov's session `_request`
(a private API of molotov 2.x) instead of listening to `sending_request`/`response_received`: those events
leave out DNS, connection set-up and a scheduling delay (they under-report by ~1 ms at light load, more under
load) and cost ~10% throughput, while the wrapper measured within 0.02 ms of the scenario's own timing at ~0%
cost (see docs/runner.md). The latency is the time to the response headers: molotov hands the response back
before the body is read, so body download time is not included.

Each process (molotov forks with -p > 1, after this module is imported) opens its own file lazily,
`$DOGDRIVER_CAPTURE_DIR/requests-<pid>.tsv`, with O_APPEND. Lines are written in batches (every 64 lines or
0.2 s, and when the process exits), each batch with a single os.write of whole lines: a reader never sees a
line cut by another writer, and a process holds at most 64 lines in memory.

Line format (tab-separated, UTF-8):
  start_epoch_s  method  path  status  latency_ms  error
`status` is empty when no response arrived (refused, reset, timeout...); `error` is then the exception's
class and message ("cancelled" when molotov cancelled the request at shutdown). The path never carries
the query string (it may hold credentials).

It also wraps molotov's `Worker.step` (one scenario run; it returns the exception when the scenario raised),
for what requests cannot show: a scenario's assertion fails on a 200 answer too. Lines starting with `#`:
  #failure  epoch_s  message      one per failed scenario run ("AssertionError: 503", credentials removed)
  #steps    ok  failed            this process's running totals of scenario runs, at every batch
  #lag      epoch_s  lag_ms       how late a 50 ms asyncio sleep woke up: the event loop could not keep up
                                  (busy with its own work, or the process got no CPU)
The lag sampler is a timer on each process's event loop, started at its first scenario run. Why not molotov's
`scenario_failure` event: any events listener makes molotov await it for every request event too.
"""

import asyncio
import atexit
import multiprocessing.util
import os
import re
import time
from time import perf_counter
from urllib.parse import urlsplit

import molotov.session
import molotov.worker

_DIR = os.environ.get("DOGDRIVER_CAPTURE_DIR") or os.getcwd()


def _molotov_version():
    try:
        from importlib.metadata import version

        return version("molotov")
    except Exception:
        return "(version unknown)"


_ORIGINAL = getattr(molotov.session.LoggedClientSession, "_request", None)
if _ORIGINAL is None:
    raise ImportError(
        "dogdriver's Molotov extension wraps molotov's LoggedClientSession._request, "
        f"which molotov {_molotov_version()} does not have (it was written for molotov 2.1)"
    )

_STEP = getattr(getattr(molotov.worker, "Worker", None), "step", None)
if _STEP is None:
    raise ImportError(
        "dogdriver's Molotov extension wraps molotov's Worker.step, "
        f"which molotov {_molotov_version()} does not have (it was written for molotov 2.1)"
    )

_FLUSH_LINES = 64
_FLUSH_SECONDS = 0.2
_LAG_PERIOD_S = 0.05
_out = {"pid": None, "fd": None, "lines": [], "flushed_at": 0.0, "ok": 0, "failed": 0, "counted": False}


def _flush():
    if _out["pid"] != os.getpid():
        return
    if _out["counted"]:
        _out["lines"].append("#steps\t%d\t%d\n" % (_out["ok"], _out["failed"]))
        _out["counted"] = False
    if _out["lines"]:
        os.write(_out["fd"], "".join(_out["lines"]).encode("utf-8", "replace"))
        _out["lines"] = []


def _open_for_this_process():
    pid = os.getpid()
    path = os.path.join(_DIR, "requests-%d.tsv" % pid)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    _out.update(pid=pid, fd=fd, lines=[], ok=0, failed=0, counted=False)
    # A -p child leaves through os._exit, which skips atexit but runs multiprocessing's finalizers.
    atexit.register(_flush)
    multiprocessing.util.Finalize(None, _flush, exitpriority=100)


def _record(line, now):
    if _out["pid"] != os.getpid():
        _open_for_this_process()
        _out["flushed_at"] = now
    if line:
        _out["lines"].append(line)
    if len(_out["lines"]) >= _FLUSH_LINES or now - _out["flushed_at"] >= _FLUSH_SECONDS:
        _flush()
        _out["flushed_at"] = now


def _clean(text):
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")[:300]


_CREDENTIALS = re.compile(r"(\w+://)[^/\s:@]+(:[^/\s@]*)?@")
_UNSAFE = re.compile(r"[^\x20-\x7e\u00a0-\uffff]")


def _message(exc):
    """The exception as `Class: message`, printable, without URL credentials, at most 200 characters."""
    text = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    return _UNSAFE.sub(" ", _CREDENTIALS.sub(r"\1***@", _clean(text)))[:200]


def _path(url):
    try:
        return _clean(urlsplit(str(url)).path or "/")
    except ValueError:
        return "?"


async def _request(self, method, url, *args, **kw):
    started = time.time()
    t0 = perf_counter()
    status = ""
    error = ""
    try:
        response = await _ORIGINAL(self, method, url, *args, **kw)
        status = str(response.status)
        return response
    except asyncio.CancelledError:
        error = "cancelled"
        raise
    except BaseException as exc:
        error = _clean("%s: %s" % (type(exc).__name__, exc))
        raise
    finally:
        t1 = perf_counter()
        line = "%.6f\t%s\t%s\t%s\t%.3f\t%s\n" % (
            started,
            _clean(str(method)),
            _path(url),
            status,
            (t1 - t0) * 1000.0,
            error,
        )
        _record(line, t1)


def _sample_lag(loop, due):
    # A timer callback, not a task: molotov closes its loop with the callback still scheduled, which is silent
    # for a timer and a "Task was destroyed but it is pending!" warning for a task.
    now = perf_counter()
    _record("#lag\t%.6f\t%.3f\n" % (time.time(), max(0.0, (now - due) * 1000.0)), now)
    loop.call_later(_LAG_PERIOD_S, _sample_lag, loop, perf_counter() + _LAG_PERIOD_S)


_sampling = {"pid": None}


async def _step(self, *args, **kw):
    if _sampling["pid"] != os.getpid():
        # One sampler per process, on the loop molotov runs its workers on (a -p child makes its own).
        _sampling["pid"] = os.getpid()
        loop = asyncio.get_running_loop()
        loop.call_later(_LAG_PERIOD_S, _sample_lag, loop, perf_counter() + _LAG_PERIOD_S)
    result = await _STEP(self, *args, **kw)
    # 1: the scenario ran; an exception: it raised (molotov returns it); 0 or -1: stopping, not a run.
    if isinstance(result, BaseException):
        _record("#failure\t%.6f\t%s\n" % (time.time(), _message(result)), perf_counter())
        _out["failed"] += 1
        _out["counted"] = True
    elif result == 1:
        _record(None, perf_counter())
        _out["ok"] += 1
        _out["counted"] = True
    return result


molotov.session.LoggedClientSession._request = _request
molotov.worker.Worker.step = _step
