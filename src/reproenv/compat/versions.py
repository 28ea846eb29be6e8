"""CUDA and driver version strings as the data files and users write them, and their keys."""

from __future__ import annotations

import re

from reproenv.errors import bad_input

Cuda = tuple[int, int]
DriverKey = tuple[int, int, int]


def parse_cuda(text: str) -> Cuda:
    """`"12.4"`, `"12.4.1"`, `"cu124"`, `"124"`, `"CUDA 12.4"` -> `(12, 4)`."""
    value = text.strip().lower().removeprefix("cuda").strip()
    if match := re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)*", value):
        return int(match[1]), int(match[2])
    # the wheel-tag spelling: the last digit is the minor (cu92, cu118, cu124, cu130)
    if match := re.fullmatch(r"cu(\d{2,3})|(\d{3})", value):
        digits = match[1] or match[2]
        return int(digits[:-1]), int(digits[-1])
    raise bad_input(
        f"{text!r} is not a CUDA version",
        reference="cuda-version-invalid",
        hint="write it as major.minor (12.4) or as a wheel tag (cu124)",
        cuda=text,
    )


def cuda_text(cuda: Cuda) -> str:
    return f"{cuda[0]}.{cuda[1]}"


def driver_key(driver: str) -> DriverKey:
    """`"535.183.01"` -> `(535, 183, 1)`; a malformed driver is the user's mistake."""
    if not re.fullmatch(r"\d+(\.\d+){0,2}", driver.strip()):
        raise bad_input(
            f"{driver!r} is not an NVIDIA driver version",
            reference="driver-version-invalid",
            hint="give it as nvidia-smi prints it, e.g. 535.183.01",
            driver=driver,
        )
    major, minor, patch = ([int(p) for p in driver.strip().split(".")] + [0, 0])[:3]
    return major, minor, patch


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))
