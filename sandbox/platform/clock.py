"""Time as the platform stores it: naive Europe/Berlin wall-clock text.

The generator thinks in UTC epoch seconds and converts once, on the way out. The
conversion is DST-correct (offsets come from zoneinfo, cached per UTC hour), so no
stored system timestamp falls into a spring-forward gap; the autumn hour that repeats
is stored twice with the same text, exactly as the old system would.

Record creation is spread over the window with a business-hours profile: a German
platform is written to on weekdays between 7 and 19 local time, rarely at night.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PLATFORM_TZ = "Europe/Berlin"
_HOUR = 3600
_DAY = 86400


def _hour_weight(local: datetime) -> float:
    weekend = local.weekday() >= 5
    if 7 <= local.hour < 19:
        return 0.08 if weekend else 1.0
    if 6 <= local.hour < 22:
        return 0.02 if weekend else 0.15
    return 0.005


class PlatformClock:
    """Converts UTC epoch seconds to platform text and maps [0, 1) onto the window."""

    def __init__(self, as_of: datetime, window_days: int = 90, tz: str = PLATFORM_TZ) -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        self.tz = ZoneInfo(tz)
        self.end = int(as_of.astimezone(UTC).timestamp())
        self.start = self.end - window_days * _DAY
        self._offsets: dict[int, int] = {}
        self._days: dict[int, str] = {}
        self._minutes: dict[int, str] = {}
        self._german: dict[int, str] = {}
        cum = [0.0]
        for h in range(window_days * 24):
            local = datetime.fromtimestamp(self.start + h * _HOUR, UTC).astimezone(self.tz)
            cum.append(cum[-1] + _hour_weight(local))
        self._cum = cum
        self._total = cum[-1]

    def offset(self, epoch: int) -> int:
        """UTC offset in seconds in force at this instant (cached per UTC hour)."""
        hour = epoch // _HOUR
        off = self._offsets.get(hour)
        if off is None:
            moment = datetime.fromtimestamp(hour * _HOUR, UTC).astimezone(self.tz)
            off = int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]
            self._offsets[hour] = off
        return off

    def local_text(self, epoch: int) -> str:
        """'YYYY-MM-DD HH:MM:SS' in Berlin wall-clock time."""
        local = epoch + self.offset(epoch)
        minute, sec = divmod(local, 60)
        prefix = self._minutes.get(minute)
        if prefix is None:
            day, mins = divmod(minute, 1440)
            prefix = f"{self.day_text(day)} {mins // 60:02d}:{mins % 60:02d}:"
            if len(self._minutes) < 500_000:  # the window is 130k minutes; stay bounded
                self._minutes[minute] = prefix
        return f"{prefix}{sec:02d}"

    def german_date(self, day: int) -> str:
        """'TT.MM.JJJJ' for a local day number, as people write dates in Germany."""
        text = self._german.get(day)
        if text is None:
            iso = self.day_text(day)
            text = f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}"
            self._german[day] = text
        return text

    def local_parts(self, epoch: int) -> tuple[int, int]:
        """(local day number since epoch, local second of day)."""
        return divmod(epoch + self.offset(epoch), _DAY)

    def day_text(self, day: int) -> str:
        text = self._days.get(day)
        if text is None:
            text = (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d")
            self._days[day] = text
        return text

    def at(self, fraction: float) -> int:
        """The instant at this fraction of the window's business-weighted time."""
        target = min(max(fraction, 0.0), 0.999999999) * self._total
        h = bisect_right(self._cum, target) - 1
        width = self._cum[h + 1] - self._cum[h]
        inside = (target - self._cum[h]) / width if width else 0.0
        return self.start + h * _HOUR + int(inside * _HOUR)
