"""Python's cycle collector paused while a client parses or builds many objects at once (a pull
page, the state file): tens of thousands of new objects and no garbage among them, which would
otherwise set the collector off again and again over everything the client holds."""

import contextlib
import gc
import threading

# Blocks of gc_paused in progress (a push parses its answers on two threads) and whether the
# collector was on when the first of them began; changed under the lock only.
_paused = threading.RLock()  # reentrant: a finalizer run by a collection inside cannot deadlock
_pauses = {"depth": 0, "was_on": False}


@contextlib.contextmanager
def gc_paused():
    """Python's cycle collector paused for the block, then resumed if it was on. For parsing and
    decoding a page: tens of thousands of new objects and no garbage among them, and the
    collector, set off by the allocations alone, would scan the client's whole heap (every record
    it holds) several times a page. Blocks on several threads overlap safely: the collector stays
    paused until the last one ends, and is then on again if it was on before the first began."""
    with _paused:
        if _pauses["depth"] == 0:
            _pauses["was_on"] = gc.isenabled()
            gc.disable()
        _pauses["depth"] += 1
    try:
        yield
    finally:
        with _paused:
            _pauses["depth"] -= 1
            if _pauses["depth"] == 0 and _pauses["was_on"]:
                gc.enable()
