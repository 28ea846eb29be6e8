"""The pip backend is a lock field, `resolver-backend`, not a prefix of the resolver string."""

from __future__ import annotations

from pathlib import Path

from reproenv.lock.model import dump_lock, parse_lock
from reproenv.lock.pip.locker import lock_backend
from tests.unit.lock.test_model import sample_lock


def test_a_uv_lock_does_not_carry_the_field(tmp_path: Path) -> None:
    text = dump_lock(sample_lock())
    assert "resolver-backend" not in text  # locks made by uv keep their bytes
    assert lock_backend(parse_lock(text, tmp_path / "reproenv.lock")) == "uv"


def test_a_pip_tools_lock_names_its_backend_and_reads_back(tmp_path: Path) -> None:
    lock = sample_lock().model_copy(
        update={"resolver": "pip-tools 7.4.1 (on this host)", "resolver_backend": "pip-tools"}
    )
    text = dump_lock(lock)
    assert 'resolver-backend = "pip-tools"' in text
    assert text.index("resolver = ") < text.index("resolver-backend = ")
    read = parse_lock(text, tmp_path / "reproenv.lock")
    assert dump_lock(read) == text and lock_backend(read) == "pip-tools"


def test_the_field_decides_not_the_resolver_string(tmp_path: Path) -> None:
    lock = sample_lock().model_copy(
        update={"resolver": "a pip-tools-like name", "resolver_backend": "pip-tools"}
    )
    assert lock_backend(parse_lock(dump_lock(lock), tmp_path / "reproenv.lock")) == "pip-tools"
    lock = sample_lock().model_copy(update={"resolver": "uv 0.5.0 (pip-tools compatible)"})
    assert lock_backend(parse_lock(dump_lock(lock), tmp_path / "reproenv.lock")) == "uv"


def test_an_older_pip_tools_lock_without_the_field_still_reads_as_pip_tools(
    tmp_path: Path,
) -> None:
    """Written before the field existed: the seal holds, the backend comes from `resolver`."""
    older = sample_lock().model_copy(update={"resolver": "pip-tools 7.4.1 (in the base image)"})
    text = dump_lock(older)  # resolver-backend left out, as such a lock was written
    assert "resolver-backend" not in text
    read = parse_lock(text, tmp_path / "reproenv.lock")
    assert read.resolver_backend == "pip-tools" and lock_backend(read) == "pip-tools"
