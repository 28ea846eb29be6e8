"""The request to re-resolve torch (or its family) from another build's index, which the CUDA
decision (lock/gpu.py, lock/gpu_cuda.py) raises and the lock's steps act on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from reproenv.errors import ExitCode, ReproenvError
from reproenv.settings import TORCH_INDEX_ENV

if TYPE_CHECKING:
    from reproenv.compat.torch_choice import CudaChoice


class VariantNeeded(Exception):  # a request to the caller, not a failure
    """The target needs another torch build than the one resolved: the caller re-resolves
    `packages` with that build's index added and decides again."""

    def __init__(
        self,
        choice: CudaChoice | None,
        locked: str,
        *,
        variant: str | None = None,
        reason: str | None = None,
        packages: tuple[str, ...] = ("torch",),
    ) -> None:
        self.reason = reason or (choice.reason if choice else "")
        super().__init__(self.reason)
        self.choice = choice
        self.locked = locked
        self.variant = variant or (choice.variant if choice else None) or ""
        self.packages = packages
        self._default_index = (choice.index_url if choice else None) or _variant_index(self.variant)

    @classmethod
    def cpu(cls, locked: str, packages: tuple[str, ...]) -> VariantNeeded:
        """`gpu = "none"`: torch's CPU build (PyPI's Linux wheel pulls the CUDA libraries)."""
        return cls(
            None,
            locked,
            variant="cpu",
            reason=f'gpu = "none", but torch {locked} is a CUDA build: its cpu build is wanted',
            packages=packages,
        )

    def index_url(self, env: Mapping[str, str] | None = None) -> str:
        """The variant's index; REPROENV_TORCH_INDEX (a URL, `{variant}` allowed) names a
        mirror of the PyTorch indexes, as companies and air-gapped sites keep them."""
        mirror = (os.environ if env is None else env).get(TORCH_INDEX_ENV)
        if mirror:
            return mirror.format(variant=self.variant)
        return self._default_index

    def as_error(self, cause: ReproenvError | None = None) -> ReproenvError:
        detail = f": {cause.message}" if cause else ""
        cpu = self.variant == "cpu"
        lead = (
            self.reason
            if cpu
            else f"the locked torch {self.locked} does not fit the target ({self.reason})"
        )
        return ReproenvError(
            f"{lead}; the {self.variant} build from {self.index_url()} could not be locked{detail}",
            "cuda-variant-unavailable",
            f"make {self.index_url()} reachable (or set {TORCH_INDEX_ENV} to a mirror), pin "
            + (
                f"torch to its {self.variant} build (torch==X+{self.variant}) with that index "
                'as an extra index, or set gpu = "auto"'
                if cpu
                else "torch to a build the target's driver runs, or set gpu-driver to the real "
                "driver"
            ),
            {"package": "torch"},
            cause.exit_code if cause else ExitCode.BAD_INPUT,
        )


def _variant_index(variant: str) -> str:
    from reproenv.compat.data_files import torch_data

    return torch_data().index_url.format(variant=variant) if variant else ""
