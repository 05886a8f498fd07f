"""A tiny progress reporter for long work (no dependency).

    with Progress(total=1_000_000, label="events") as bar:
        for chunk in chunks:
            ...
            bar.update(len(chunk))

On a terminal the one-line bar is redrawn in place (``\\r``, at most ~10 times a second); when
stderr is not a terminal (CI logs, pipes) a line is printed at most every ~10 % and at the end.
The total may be an estimate: the percentage is capped at 100 and the final line shows the
real count.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

_BAR_WIDTH = 24
_TTY_REDRAW_SECONDS = 0.1


class Progress:
    """Progress of `total` rows of work, written to stderr (or `stream`)."""

    def __init__(
        self, total: int, label: str, enabled: bool = True, stream: TextIO | None = None
    ) -> None:
        self.total = max(0, int(total))
        self.label = label
        self.enabled = enabled
        self.count = 0
        self._stream = stream if stream is not None else sys.stderr
        try:
            self._tty = bool(self._stream.isatty())
        except (AttributeError, ValueError):
            self._tty = False
        self._start = time.monotonic()
        self._last_draw = float("-inf")
        self._last_step = -1  # last 10 % step printed (non-TTY)
        self._closed = False

    # -- public API -------------------------------------------------------------------------
    def update(self, n: int) -> None:
        """Record `n` more rows done."""
        if self._closed:
            return
        self.count += int(n)
        if not self.enabled:
            return
        if self._tty:
            now = time.monotonic()
            if now - self._last_draw >= _TTY_REDRAW_SECONDS:
                self._last_draw = now
                self._write("\r" + self._line())
        else:
            step = min(10, int(self._fraction() * 10))
            if step > self._last_step and step < 10:
                self._last_step = step
                self._write(self._line() + "\n")

    def close(self) -> None:
        """Draw the final state (once) and end the line."""
        if self._closed:
            return
        self._closed = True
        if not self.enabled:
            return
        if self._tty:
            self._write("\r" + self._line(final=True) + "\n")
        else:
            self._write(self._line(final=True) + "\n")

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- rendering --------------------------------------------------------------------------
    def _fraction(self) -> float:
        if self.total <= 0:
            return 1.0 if self._closed else 0.0
        return min(1.0, self.count / self.total)

    def _line(self, final: bool = False) -> str:
        fraction = 1.0 if final else self._fraction()
        filled = round(fraction * _BAR_WIDTH)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.count / elapsed
        shown_total = self.count if final else max(self.total, self.count)
        return (
            f"{self.label} [{bar}] {fraction * 100:5.1f}% "
            f"{self.count:,}/{shown_total:,} rows {rate:,.0f} rows/s"
        )

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # closed or broken stream: progress is best effort
            self.enabled = False
