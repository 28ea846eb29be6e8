"""The nvidia/cuda base image for packages that do not bundle the CUDA libraries, and how Python
gets onto it.

CuPy without nvidia-* wheels, RAPIDS and projects that compile CUDA code need the CUDA toolkit's
libraries (or nvcc) in the image; wheels like torch's carry their own and run on plain Python.
nvidia/cuda images have no Python, so the distro's own python3.X is installed from apt and pinned
with the rest of the apt closure: the spec's Python must be that distro's. Pure: reads
`reproenv/data/cuda_images.json` (source and date inside), no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reproenv.compat.data_files import cuda_images_data
from reproenv.compat.drivers import driver_verdict, requirement
from reproenv.compat.schema import CudaDistro, CudaImage, CudaImages
from reproenv.compat.versions import Cuda, cuda_text, parse_cuda, version_key
from reproenv.errors import bad_input

Flavour = Literal["runtime", "devel"]


@dataclass(frozen=True)
class BaseChoice:
    """The image and why; the apt packages that put Python on it follow from `reference`
    (python_on_base), which also serves a CUDA base named in the spec."""

    reference: str  # nvidia/cuda:12.9.1-runtime-ubuntu24.04
    cuda: Cuda
    reason: str


def choose_cuda_base(
    cuda: Cuda,
    *,
    exact_minor: bool,
    python: str,
    flavour: Flavour,
    driver: str | None,
    cudnn: int | None = None,
) -> BaseChoice:
    """The newest image of `cuda`'s major (or exactly its minor) with the spec's Python that the
    target driver runs natively; else the oldest it runs through minor-version compatibility.
    `cudnn`: the cuDNN major the packages need from the image (None: no cuDNN)."""
    data = cuda_images_data()
    wanted = cuda_text(cuda) if exact_minor else f"{cuda[0]}.x"
    if cudnn is not None:
        wanted += f" with cuDNN {cudnn}"
    family = _family(data, cuda, exact_minor, cudnn, wanted)
    candidates = _with_python(data, family, python, wanted)
    image, distro, how = _runnable(candidates, driver, wanted)
    with_cudnn = f"{image.cudnn}-" if cudnn is not None else ""
    reference = f"{data.repository}:{image.cuda}-{with_cudnn}{flavour}-{distro.name}"
    cudnn_text = f" with cuDNN {image.cudnn_major}" if cudnn is not None else ""
    return BaseChoice(
        reference=reference,
        cuda=parse_cuda(image.cuda),
        reason=f"base {reference} (CUDA {image.cuda} {flavour}{cudnn_text}, with {distro.name}'s "
        f"Python {distro.python} from apt); {how}",
    )


def _family(
    data: CudaImages, cuda: Cuda, exact_minor: bool, cudnn: int | None, wanted: str
) -> list[CudaImage]:
    """The images of `cuda`'s major (or exactly its minor, with the cuDNN asked for), newest
    first."""
    family = sorted(
        (
            image
            for image in data.images
            if parse_cuda(image.cuda)[0] == cuda[0]
            and (not exact_minor or parse_cuda(image.cuda) == cuda)
            and (cudnn is None or (image.cudnn is not None and image.cudnn_major == cudnn))
        ),
        key=lambda image: version_key(image.cuda),
        reverse=True,
    )
    if not family:
        known = ", ".join(image.cuda for image in data.images)
        raise bad_input(
            f"reproenv knows no {data.repository} image for CUDA {wanted} (it knows {known})",
            reference="cuda-base-unknown",
            hint="set image.base to a CUDA image that has Python, or lock packages for a CUDA "
            "listed here",
            cuda=wanted,
        )
    return family


def _with_python(
    data: CudaImages, family: list[CudaImage], python: str, wanted: str
) -> list[tuple[CudaImage, CudaDistro]]:
    """The (image, distro) pairs whose distro has the spec's Python, in the family's order."""
    candidates = [
        (image, distro)
        for image in family
        for distro in (data.distro(name) for name in image.distros)
        if distro is not None and distro.python == python
    ]
    if candidates:
        return candidates
    offered = sorted(
        {
            d.python: d.name for image in family for n in image.distros if (d := data.distro(n))
        }.items(),
        key=lambda item: version_key(item[0]),
        reverse=True,
    )
    pythons = ", ".join(f"{version} ({name})" for version, name in offered)
    raise bad_input(
        f"{data.repository} images for CUDA {wanted} carry no Python, and reproenv installs "
        f"their distro's own: {pythons}; none is Python {python}",
        reference="cuda-base-python-unavailable",
        hint=f'set python = "{offered[0][0]}" in the spec, or image.base to a CUDA image '
        f"with Python {python}",
        python=python,
        cuda=wanted,
    )


def _runnable(
    candidates: list[tuple[CudaImage, CudaDistro]], driver: str | None, wanted: str
) -> tuple[CudaImage, CudaDistro, str]:
    if driver is None:
        image, distro = candidates[0]
        return (
            image,
            distro,
            (
                "no NVIDIA driver was given, so the host that runs it must meet this: "
                + requirement(parse_cuda(image.cuda))
            ),
        )
    verdicts = [
        (image, distro, *driver_verdict(driver, parse_cuda(image.cuda), f"CUDA {image.cuda}"))
        for image, distro in candidates
    ]
    native = [v for v in verdicts if v[2] == "native"]
    # through minor-version compatibility, the CUDA closest to what the driver runs natively:
    # the fewest features it lacks (PTX of a newer toolkit cannot be JIT-compiled by it)
    compatible = [v for v in verdicts if v[2] == "minor-version-compatibility"]
    chosen = native[0] if native else compatible[-1] if compatible else None
    if chosen is not None:
        return chosen[0], chosen[1], chosen[3]
    oldest = min(candidates, key=lambda c: version_key(c[0].cuda))[0]
    raise bad_input(
        f"no CUDA {wanted} image runs on driver {driver}: " + requirement(parse_cuda(oldest.cuda)),
        reference="cuda-driver-too-old",
        hint="upgrade the driver on the target, or lock packages built for an older CUDA",
        driver=driver,
        cuda=wanted,
    )


def python_on_base(reference: str, python: str) -> tuple[str, ...]:
    """The apt packages that put the spec's Python on `reference`: none for an image that has
    Python (python:*, most others), the distro's python3.X for a known CUDA image."""
    data = cuda_images_data()
    name = reference.split("@", 1)[0]
    colon = name.rfind(":")
    repository, tag = (name[:colon], name[colon + 1 :]) if colon > name.rfind("/") else (name, "")
    if not (repository == data.repository or repository.endswith("/" + data.repository)):
        return ()
    distro = next((d for d in data.distros if tag.endswith("-" + d.name)), None)
    if distro is None:
        known = ", ".join(d.name for d in data.distros)
        raise bad_input(
            f"{reference} carries no Python, and reproenv installs Python only on {known} "
            f"{data.repository} images",
            reference="cuda-base-python-unavailable",
            hint=f"use a {data.repository} tag ending in one of {known}, or a base with Python",
            image=reference,
        )
    if distro.python != python:
        raise bad_input(
            f"{reference} carries no Python; its {distro.name} offers Python {distro.python} "
            f"from apt, not {python}",
            reference="cuda-base-python-mismatch",
            hint=f'set python = "{distro.python}" in the spec, or choose a {data.repository} '
            f"tag whose distro has Python {python}",
            image=reference,
            python=python,
        )
    return distro.python_packages
