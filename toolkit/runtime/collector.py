"""Python's cyclic garbage collector kept out of bulk work.

A batch is hundreds of thousands of small objects (records, findings, cells waiting in
xlsxwriter) made in one go and kept to the end; none of them form cycles worth collecting
(measured: the same peak memory at 1,000 files with the collector off). Left on, the collector
walks all of them again and again as they pile up: 40 % of writing a summary of 50,000 rows and
about 1.5 s of a 1,000-file run. Nested uses are harmless: an inner one finds it paused already.
"""

from __future__ import annotations

import gc


class collector_paused:
    """Keeps Python's cyclic garbage collector out of the writing.

    xlsxwriter keeps a tuple per cell until the workbook is closed, and as they pile up the
    collector walks all of them, and the whole batch, again and again: 40 % of the time at
    50,000 rows. So it is paused while the workbooks are written, with what existed before (the
    batch) frozen out of its sight. A closed workbook's cells are dropped at once (`Sheet.release`),
    so what waits for the collector's next pass is small. What was made meanwhile is handed back
    with the rest as long-lived. Left as found: not paused if it was off, not frozen if someone
    else froze objects.
    """

    def __enter__(self) -> collector_paused:
        self.paused = gc.isenabled()
        self.frozen = self.paused and gc.get_freeze_count() == 0
        if self.frozen:
            gc.freeze()
        if self.paused:
            gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.frozen:
            # What was made while paused joins what was frozen, and all of it goes back into the
            # oldest generation. Left in the youngest, its first pass would walk every one of
            # those objects (0.07 s after a 1,000-file run) and free none of them.
            gc.freeze()
            gc.unfreeze()
        if self.paused:
            gc.enable()
