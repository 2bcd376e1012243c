"""Bounded work: run a pure computation on untrusted data in a child interpreter with a
wall-clock limit and an address-space limit, so that it cannot hold a web or job worker
longer, or make it use more memory, than that.

Used where a library's own loops cannot be bounded from outside — RFC 5545 recurrence
expansion (dateutil walks day by day up to the year 9999 looking for an occurrence of a
rule that has none, and never ends at INTERVAL=0), and outside calendars.

The child is a new interpreter started with `subprocess`, not a `multiprocessing` fork:
django-q2 runs jobs in daemonic processes, which `multiprocessing` forbids to have
children, and forking a threaded web worker can copy a lock some other thread holds. The
function is named by its module and qualified name, so it must be importable without
Django being set up (a module-level function of a pure module); it and its arguments are
plain values, and its result or its exception comes back pickled.
"""

import importlib
import math
import os
import pickle
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # the project, where `concierge` imports from
# The child's own code: read the job from stdin, bound itself, run it, answer on stdout.
CHILD = "from concierge.platform.bounded import serve; serve()"


class Overrun(Exception):
    """The computation went over its time or memory limit (or crashed)."""


def run(
    func: Callable[..., Any],
    *args: Any,
    seconds: float,
    memory_bytes: int | None = 256 * 1024 * 1024,
    **kwargs: Any,
) -> Any:
    """`func(*args, **kwargs)` in a child interpreter, killed after `seconds` (its start
    included) and refused memory beyond `memory_bytes` more than it holds once started."""
    job = pickle.dumps(
        (func.__module__, func.__qualname__, args, kwargs, memory_bytes, seconds),
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    child = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        answer, _ = child.communicate(job, timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        raise Overrun(f"The computation took longer than {seconds:g} s.") from exc
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    try:
        ok, value = pickle.loads(answer)  # noqa: S301 - written by our own child
    except Exception as exc:
        raise Overrun("The computation ran out of memory or crashed.") from exc
    if not ok:
        raise value
    return value


def _address_space_in_use() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_self(memory_bytes: int | None, seconds: float) -> None:
    # CPU time as a backstop: a child whose parent died is ended by the kernel.
    cpu = math.ceil(seconds) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        if memory_bytes:
            limit = _address_space_in_use() + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass  # no /proc or no permission: the parent's wall-clock limit still holds


def serve() -> None:
    """The child's side of `run`."""
    module, qualname, args, kwargs, memory_bytes, seconds = pickle.load(sys.stdin.buffer)  # noqa: S301 - our parent
    try:
        func: Any = importlib.import_module(module)
        for name in qualname.split("."):
            func = getattr(func, name)
    except Exception as exc:  # not importable without Django: a mistake of ours
        result = (False, Overrun(f"{module}.{qualname} cannot be run bounded: {exc!r}"))
    else:
        _limit_self(memory_bytes, seconds)
        result = _call(func, args, kwargs)
    try:
        answer = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an unpicklable result or exception
        failure = Overrun(f"The computation failed: {exc.__class__.__name__}.")
        answer = pickle.dumps((False, failure))
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


def _call(func: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[bool, Any]:
    try:
        return (True, func(*args, **kwargs))
    except MemoryError:
        return (False, Overrun("The computation ran out of memory."))
    except Exception as exc:
        return (False, exc)
