"""Login throttling: too many failed logins for one email from one address → 429."""

from __future__ import annotations

import math
import time
from collections import deque

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Counts failures per (email, client address) in a sliding window."""

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, email: str, address: str) -> int:
        """Seconds the caller must wait before trying again (0: go ahead)."""
        now = time.monotonic()
        failures = self._recent((email, address), now)
        if len(failures) < self.max_failures:
            return 0
        return max(1, math.ceil(failures[-self.max_failures] + self.window - now))

    def failed(self, email: str, address: str) -> None:
        """Record a failed attempt."""
        if len(self._failures) > 100_000:  # bound memory under a spray of random emails
            self._failures.clear()
        self._failures.setdefault((email, address), deque()).append(time.monotonic())

    def succeeded(self, email: str, address: str) -> None:
        """Forget the failures of a caller who got in."""
        self._failures.pop((email, address), None)
