"""Every Python process of a guarded test run believes today is ``CONSOLIDATE_FAKE_TODAY``.

``tests/test_today.py`` runs the date-sensitive tests with this folder first on
``PYTHONPATH``: Python imports ``sitecustomize`` at start-up, so pytest, its workers, the
CLI a test starts as a subprocess and the tool's own worker processes all travel to the
same day (the clock keeps ticking from its start). Nothing of the tool reads this: a test
that passes only on one "today" fails under the other.
"""

import os

_DAY = os.environ.get("CONSOLIDATE_FAKE_TODAY")
if _DAY:
    import time_machine

    _TRAVEL = time_machine.travel(f"{_DAY} 10:00:00+08:00", tick=True)
    _TRAVEL.start()
