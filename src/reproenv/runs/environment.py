"""The variables `run` sets in the container: `--deterministic`'s, and their redaction."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from reproenv.errors import redact
from reproenv.runs.model import REDACTED

# What frameworks read to run deterministically. Code still seeds its generators and, for
# PyTorch, calls torch.use_deterministic_algorithms(True): no variable does that.
DETERMINISTIC_ENV: tuple[tuple[str, str], ...] = (
    ("PYTHONHASHSEED", "0"),  # str/bytes hashing: set iteration order, hash()
    # cuBLAS reproducible reductions; PyTorch's deterministic mode requires it on CUDA >= 10.2
    ("CUBLAS_WORKSPACE_CONFIG", ":4096:8"),
    ("TF_DETERMINISTIC_OPS", "1"),  # TensorFlow's deterministic kernels (TF >= 2.1)
    ("TF_CUDNN_DETERMINISTIC", "1"),  # TensorFlow's cuDNN algorithm choice
    # TensorFlow's oneDNN ops reorder floating-point sums (TF's own start-up notice says so)
    ("TF_ENABLE_ONEDNN_OPTS", "0"),
    ("XLA_FLAGS", "--xla_gpu_deterministic_ops=true"),  # JAX / XLA on GPU
)

# secret-looking names, wherever the word stands in the name (API_KEY, GITHUB_TOKEN, DB_PASSWD)
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|KEY|AUTH|PRIVATE|COOKIE")


def is_secret_name(name: str) -> bool:
    return _SECRET_NAME.search(name.upper()) is not None


def redact_value(name: str, value: str | None) -> str | None:
    """A value as a record may keep it: a secret-looking name's value masked, and the
    credentials of any URL in the rest taken out (errors.redact, the one URL scrubber)."""
    if value is None:
        return None
    if is_secret_name(name):
        return REDACTED
    return redact(value, mask=REDACTED)


def resolved_env(items: Iterable[str], host_env: Mapping[str, str]) -> dict[str, str | None]:
    """docker -e items as the container gets them: KEY=VALUE, or KEY for the host's value; the
    last of a name wins, as docker keeps it."""
    resolved: dict[str, str | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        resolved.pop(name, None)
        resolved[name] = value if sep else host_env.get(name)
    return resolved


def recorded_env(items: Iterable[str], host_env: Mapping[str, str]) -> dict[str, str | None]:
    return {
        name: redact_value(name, value) for name, value in resolved_env(items, host_env).items()
    }


def replay_item(name: str, value: str | None) -> str:
    """A recorded variable as --env gives it again: a redacted or unset one from this shell."""
    if value is None or value == REDACTED or REDACTED in value:
        return name
    return f"{name}={value}"
