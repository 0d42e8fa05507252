"""dogdriver's Molotov extension: one line per HTTP request, written as it completes.

Loaded with `molotov --use-extension <this file> -- scenario.py`, on any Molotov 2.x. It wraps aiohttp's
`ClientSession._request`, the call every request of a Molotov session goes through: Molotov 2.0 and 2.1 subclass
ClientSession (their session's own `_request` resolves the host name, then calls this one through super(), so a
request is still counted once), Molotov 2.2 and later use ClientSession as it is, with a trace config. The
wrapper is preferred to molotov's `sending_request`/`response_received` events: those leave out DNS, connection
set-up and a scheduling delay (they under-report by ~1 ms at light load, more under load) and cost ~10%
throughput, while the wrapper measured within 0.05 ms of the scenario's own timing at a few % of molotov's CPU
(see docs/benchmarks.md). The latency is the time to the response headers: aiohttp hands the response back
before the body is read, so body download time is not included. A request the scenario makes with an aiohttp
session of its own is measured too.

Each process (molotov forks with -p > 1, after this module is imported) opens its own file lazily,
`$DOGDRIVER_CAPTURE_DIR/requests-<pid>.tsv`, with O_APPEND. Lines are written in batches (every 64 lines or
0.2 s, and when the process exits), each batch with a single os.write of whole lines: a reader never sees a
line cut by another writer, and a process holds at most 64 lines in memory.

Line format (tab-separated, UTF-8):
  start_epoch_s  method  path  status  latency_ms  error  name
`status` is empty when no response arrived (refused, reset, timeout...); `error` is then the exception's
class and message ("cancelled" when molotov cancelled the request at shutdown). The path never carries
the query string (it may hold credentials). `name` is what the scenario named the request (below), else empty.

Naming a request: a scenario may give a request a name of its own, so that requests to paths that differ only
by an id ("/api/cart/123") are counted together, with the request header `X-Dogdriver-Name`:
  session.post(url, json=item, headers={"X-Dogdriver-Name": "POST /api/cart"})
The wrapper takes the header out before aiohttp sends the request (the service never sees it) and writes its
value to the `name` column: tabs, line breaks and control characters replaced by spaces, at most 100
characters.

It also wraps molotov's `Worker.step` (one scenario run, on every Molotov 2.x; it returns the exception when
the scenario raised), for what requests cannot show: a scenario's assertion fails on a 200 answer too. Lines
starting with `#`:
  #failure  epoch_s  message      one per failed scenario run ("AssertionError: 503", credentials removed)
  #steps    ok  failed            this process's running totals of scenario runs, at every batch
  #lag      epoch_s  lag_ms       how late a 50 ms asyncio sleep woke up: the event loop could not keep up
                                  (busy with its own work, or the process got no CPU)
The lag sampler is a timer on each process's event loop, started at its first scenario run. Why not molotov's
`scenario_failure` event: any events listener makes molotov await it for every request event too.
"""

import asyncio
import atexit
import multiprocessing.util  # noqa: F401 (the finalizers below look it up in sys.modules)
import os
import re
import sys
import time
from time import perf_counter
from urllib.parse import urlsplit

import aiohttp
import molotov.worker
from multidict import CIMultiDict

_DIR = os.environ.get("DOGDRIVER_CAPTURE_DIR") or os.getcwd()


def _version(package):
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:
        return "(version unknown)"


# The class itself, not a subclass: a subclass's _request (molotov 2.1's) reaches it through super().
_ORIGINAL = getattr(aiohttp.ClientSession, "_request", None)
if _ORIGINAL is None:
    raise ImportError(
        "dogdriver's Molotov extension wraps aiohttp's ClientSession._request, "
        f"which aiohttp {_version('aiohttp')} (under molotov {_version('molotov')}) does not have"
    )

_STEP = getattr(getattr(molotov.worker, "Worker", None), "step", None)
if _STEP is None:
    raise ImportError(
        "dogdriver's Molotov extension wraps molotov's Worker.step, "
        f"which molotov {_version('molotov')} does not have (it was written for molotov 2.x)"
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
    # A -p child leaves through os._exit, which skips atexit but runs the finalizers of the multiprocessing
    # package that forked it: the standard library's (molotov 2.0, 2.1), multiprocessing_on_dill's (2.2 to 2.5
    # as published) or multiprocess's (2.6 and later), each with its own registry. _flush runs once per batch.
    atexit.register(_flush)
    for package in ("multiprocessing", "multiprocessing_on_dill", "multiprocess"):
        util = sys.modules.get(package + ".util")
        if util is not None and hasattr(util, "Finalize"):
            util.Finalize(None, _flush, exitpriority=100)


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


_NAME_HEADER = "x-dogdriver-name"


def _take_name(headers):
    """The request's headers without X-Dogdriver-Name, and its value cleaned ("" when it has none).

    A copy when the header is there: the scenario may pass the same dict to every request.
    Control characters would reach the terminal of whoever reads the name: replaced, like in failure messages."""
    if not headers:
        return headers, ""
    if not hasattr(headers, "items"):
        headers = list(headers)  # pairs, maybe an iterator that reading here would use up
    name = None
    kept = []
    for key, value in headers.items() if hasattr(headers, "items") else headers:
        if str(key).lower() == _NAME_HEADER:
            name = value
        else:
            kept.append((key, value))
    if name is None:
        return headers, ""
    return CIMultiDict(kept), _UNSAFE.sub(" ", _clean(str(name)))[:100]


async def _request(self, method, url, *args, **kw):
    started = time.time()
    t0 = perf_counter()
    status = ""
    error = ""
    name = ""
    try:
        if "headers" in kw:
            kw["headers"], name = _take_name(kw["headers"])
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
        line = "%.6f\t%s\t%s\t%s\t%.3f\t%s\t%s\n" % (
            started,
            _clean(str(method)),
            _path(url),
            status,
            (t1 - t0) * 1000.0,
            error,
            name,
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


aiohttp.ClientSession._request = _request
molotov.worker.Worker.step = _step
