"""The lock's file name, in a module that imports nothing: the `reproenv` executable looks for
the lock (cli/entry.py), and a cold lock guesses its uv (lock/pip/uv_early.py), before the lock
model and pydantic load."""

LOCK_FILE = "reproenv.lock"
