"""Child processes of a travelled test session travel too (see dangjian/testkit/clock.py).

Only on ``PYTHONPATH`` when the suite runs with ``DANGJIAN_TEST_CLOCK``: servers, workers and
commands started by tests then share the session's clock, offset and all.
"""

import os

_OFFSET = os.environ.get("TEST_CLOCK_OFFSET_SECONDS", "")
if _OFFSET:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_OFFSET), tick=True).start()
