"""`resolve` is an ordered list of named steps, each with the reason for its place."""

from __future__ import annotations

from reproenv.lock.steps import STEPS


def test_the_steps_run_in_the_documented_order() -> None:
    assert [step.name for step in STEPS] == [
        "conda only",
        "inputs",
        "base digests for pip",
        "pip per platform",
        "GPU decision and variant re-resolve",
        "base digests",
        "Python on the base",
        "wheels only",
        "base Python check",
        "apt",
    ]


def test_every_step_says_why_it_stands_where_it_does() -> None:
    for step in STEPS:
        assert step.reason and "\n" not in step.reason, step.name
        assert len(step.reason) <= 100, step.name
    assert len({step.name for step in STEPS}) == len(STEPS)
