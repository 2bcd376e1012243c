"""Bounded work: run a pure computation on untrusted data in a forked child process with
a wall-clock limit and an address-space limit, so that it cannot hold a web or job worker
longer, or make it use more memory, than that.

Used where a library's own loops cannot be bounded from outside — RFC 5545 recurrence
expansion (dateutil walks day by day up to the year 9999 looking for an occurrence of a
rule that has none, and never ends at INTERVAL=0). The function and its arguments are
plain values; its result or its exception comes back pickled.
"""

import multiprocessing
import os
import resource


class Overrun(Exception):
    """The computation went over its time or memory limit (or crashed)."""


def _address_space_in_use() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(writer, func, args, kwargs, memory_bytes):
    if memory_bytes:
        try:
            limit = _address_space_in_use() + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (OSError, ValueError):
            pass  # no /proc or no permission: the time limit still holds
    try:
        result = (True, func(*args, **kwargs))
    except MemoryError:
        result = (False, Overrun("The computation ran out of memory."))
    except Exception as exc:
        result = (False, exc)
    try:
        writer.send(result)
    except Exception as exc:  # an unpicklable result or exception
        writer.send((False, Overrun(f"The computation failed: {exc.__class__.__name__}.")))


def run(func, *args, seconds: float, memory_bytes: int | None = 256 * 1024 * 1024, **kwargs):
    """`func(*args, **kwargs)` in a child process, killed after `seconds`."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(writer, func, args, kwargs, memory_bytes), daemon=True
    )
    process.start()
    writer.close()
    try:
        if not reader.poll(seconds):
            raise Overrun(f"The computation took longer than {seconds:g} s.")
        ok, value = reader.recv()
    except EOFError as exc:
        raise Overrun("The computation ran out of memory or crashed.") from exc
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        reader.close()
    if not ok:
        raise value
    return value
