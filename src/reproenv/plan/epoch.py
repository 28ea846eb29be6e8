"""SOURCE_DATE_EPOCH for the build, taken from the lock so that it is the same everywhere.

The rule: the latest of the lock's own "as of" dates (`pip-exclude-newer`, the index as it
stood then; `apt-snapshot`, the dated Debian/Ubuntu archive), else 1980-01-01T00:00:00Z, the
earliest time a zip (a wheel) can carry. Nothing of the machine, the clock or the build enters
it: one lock gives one value, and relocking with a newer snapshot moves it forwards.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from reproenv.lock.model import Lock

DEFAULT_SOURCE_DATE_EPOCH = 315532800  # 1980-01-01T00:00:00Z


def source_date_epoch(lock: Lock) -> int:
    found = [
        parsed
        for parsed in (_iso_time(lock.pip_exclude_newer), _snapshot_time(lock.apt_snapshot))
        if parsed is not None and parsed >= DEFAULT_SOURCE_DATE_EPOCH
    ]
    return max(found, default=DEFAULT_SOURCE_DATE_EPOCH)


def _iso_time(text: str | None) -> int | None:
    """RFC 3339 (`2024-03-01T00:00:00Z`) or a plain date (`2024-03-01`, its midnight UTC)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _snapshot_time(text: str | None) -> int | None:
    """snapshot.debian.org's form: `20240301T000000Z`."""
    if not text:
        return None
    try:
        return int(datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp())
    except ValueError:
        return None
