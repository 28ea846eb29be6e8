"""Run records: what every `reproenv run` ran, where, on which code and data, and what it made.

`model.py` is the versioned record (its JSON Schema ships as `data/run-record.schema.json`),
`store.py` writes and finds the files under `.reproenv/runs/`, the collectors (`git.py`,
`machine.py`, `image.py`, `hashing.py`, `environment.py`) fill it in from their sources, and
`compare.py` holds what `reproenv rerun` checks before and after running.
"""
