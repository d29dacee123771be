"""The per-call pool: shared by the modules a program calls, never waited on from inside."""

import threading

from mopa.programs.workers import workers


def test_a_nested_block_shares_the_open_pool_and_a_task_opens_its_own():
    with workers(1) as outer:
        with workers(4) as inner:
            assert inner is outer

        def nested():
            with workers(1) as own:
                assert own is not outer
                return own.submit(threading.get_ident).result()

        # With one worker, a task waiting on the outer pool would deadlock.
        assert isinstance(outer.submit(nested).result(timeout=5), int)
    with workers(2) as later:
        assert later is not outer
