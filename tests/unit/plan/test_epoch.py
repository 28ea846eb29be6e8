"""SOURCE_DATE_EPOCH from the lock: its own dates, else 1980-01-01."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reproenv.plan.epoch import DEFAULT_SOURCE_DATE_EPOCH, source_date_epoch


@pytest.mark.parametrize(
    ("exclude_newer", "snapshot", "expected"),
    [
        (None, None, DEFAULT_SOURCE_DATE_EPOCH),
        ("2024-03-01T00:00:00Z", None, 1709251200),
        ("2024-03-01", None, 1709251200),  # a date: its midnight UTC
        (None, "20240302T000000Z", 1709337600),
        ("2024-03-01T00:00:00Z", "20240302T000000Z", 1709337600),  # the latest
        ("not a date", "nor this", DEFAULT_SOURCE_DATE_EPOCH),
        ("1970-01-02", None, DEFAULT_SOURCE_DATE_EPOCH),  # before any zip can date a file
    ],
)
def test_the_lock_decides(exclude_newer: str | None, snapshot: str | None, expected: int) -> None:
    lock = SimpleNamespace(pip_exclude_newer=exclude_newer, apt_snapshot=snapshot)
    assert source_date_epoch(lock) == expected  # type: ignore[arg-type]
    assert DEFAULT_SOURCE_DATE_EPOCH == 315532800  # 1980-01-01T00:00:00Z
