"""sync/gc_pause.py: the cycle collector paused for a block, and left as it was found."""

import gc
import threading

import pytest

from sync.gc_pause import gc_paused


def test_the_collector_is_paused_inside_gc_paused_and_left_as_it_was_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with gc_paused():
            raise ValueError("a page that fails to decode")
    assert gc.isenabled()
    # A caller that turned the collector off itself finds it off afterwards.
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    # Blocks on two threads (a push parses its answers on two): the collector stays paused until
    # the last one ends, whichever order they end in, and is on after.
    for first_out in (0, 1):
        inside, done = threading.Barrier(3), [threading.Event(), threading.Event()]

        def block(inside, done):
            with gc_paused():
                inside.wait()
                done.wait()

        threads = [threading.Thread(target=block, args=(inside, done[i]), daemon=True) for i in (0, 1)]
        for t in threads:
            t.start()
        try:
            inside.wait()
            assert not gc.isenabled()
            done[first_out].set()
            threads[first_out].join()
            assert not gc.isenabled(), "one block ended and the collector ran inside the other"
        finally:
            for event in done:
                event.set()
            for t in threads:
                t.join()
        assert gc.isenabled()
