"""The comparison, with the image's contents given as data (the seam `verify/contents.py`
fills from a saved image): extra, missing and changed, by ecosystem, for the image's platform."""

from __future__ import annotations

import dataclasses

from reproenv.build.fingerprint import Fingerprint, Part
from reproenv.plan.model import BASE_DIGEST_LABEL, BASE_NAME_LABEL, GPU_LABEL, LOCK_HASH_LABEL
from reproenv.verify.compare import Difference, compare
from reproenv.verify.contents import CondaRecord, Dist, ImageContents
from reproenv.verify.expected import expected_from_lock
from tests.unit.verify.locks import AMD64, ARM64, BASE, INDEX, LOCK_HASH, sample_lock

LABELS = {
    LOCK_HASH_LABEL: LOCK_HASH,
    BASE_NAME_LABEL: BASE,
    BASE_DIGEST_LABEL: INDEX,  # both platforms share one index: the Dockerfile names it
    GPU_LABEL: "none",
    "org.opencontainers.image.title": "demo",  # not the lock's: not compared
}
DISTS = (
    Dist("six", "1.16.0", checked_files=3),
    Dist("typing-extensions", "4.12.2", checked_files=2),
    Dist("amd-only", "1.0"),
)
APT = {"tree": "2.1.0-1", "libamd": "1.0", "libc6": "2.36-9", "base-files": "12.4"}


def matching(**changes: object) -> ImageContents:
    contents = ImageContents(platform=AMD64, labels=LABELS, dists=DISTS, apt=APT)
    return dataclasses.replace(contents, **changes)  # type: ignore[arg-type]


def differences(contents: ImageContents, *, conda: bool = False) -> list[Difference]:
    expected = expected_from_lock(sample_lock(with_conda=conda), LOCK_HASH, contents.platform or "")
    return list(compare(expected, contents).differences)


def test_a_matching_image_counts_what_it_checked() -> None:
    expected = expected_from_lock(sample_lock(), LOCK_HASH, AMD64)
    result = compare(expected, matching())
    assert result.match and not result.differences
    assert result.checked == {
        "labels": 5, "pip": 3, "files": 5, "apt": 2, "conda": 0, "fingerprint": 0,
    }  # fmt: skip


def test_an_extra_distribution_is_named_but_the_venv_seed_and_local_projects_are_not() -> None:
    dists = (
        *DISTS,
        Dist("extra-pkg", "0.1"),
        Dist("pip", "24.0"),  # python -m venv put it there
        Dist("demo", "0.1.0", local=True),  # the project itself, built in the image
    )
    assert differences(matching(dists=dists)) == [
        Difference("pip", "extra", "extra-pkg", None, "0.1")
    ]


def test_changed_and_missing_distributions_with_the_lock_value_first() -> None:
    dists = (Dist("six", "1.17.0"), Dist("amd-only", "1.0"))
    assert differences(matching(dists=dists)) == [
        Difference("pip", "changed", "six", "1.16.0", "1.17.0"),
        Difference("pip", "missing", "typing-extensions", "4.12.2", None),
    ]


def test_two_dist_info_folders_of_one_name_are_one_change() -> None:
    dists = (*DISTS, Dist("six", "1.17.0"), Dist("extra", "1"), Dist("extra", "2"))
    assert differences(matching(dists=dists)) == [
        Difference("pip", "changed", "extra", None, "1, 2"),
        Difference("pip", "changed", "six", "1.16.0", "1.16.0, 1.17.0"),
    ]


def test_versions_compare_as_pep_440_and_names_canonically() -> None:
    dists = (Dist("six", "1.16.0.0"), *DISTS[1:])  # 1.16.0.0 == 1.16.0
    assert differences(matching(dists=dists)) == []


def test_a_file_that_differs_from_its_record_changes_its_distribution() -> None:
    edited = Dist(
        "six", "1.16.0", changed_files=("opt/venv/lib/python3.11/site-packages/six.py: content",)
    )
    found = differences(matching(dists=(edited, *DISTS[1:])))
    assert found == [Difference("pip", "changed", "six", "1.16.0", "1.16.0", edited.changed_files)]


def test_packages_for_another_platform_are_not_missing() -> None:
    arm = matching(platform=ARM64, dists=DISTS[:2], apt={"tree": "2.1.0-1"})
    assert differences(arm) == []
    # but the amd64 image lacking them is
    amd = matching(dists=DISTS[:2], apt={"tree": "2.1.0-1"})
    assert differences(amd) == [
        Difference("apt", "missing", "libamd", "1.0", None),
        Difference("pip", "missing", "amd-only", "1.0", None),
    ]


def test_apt_compares_only_the_pinned_packages() -> None:
    apt = {**APT, "tree": "9.9", "curl": "7.88"}  # curl: the base's (or a user's), not the lock's
    assert differences(matching(apt=apt)) == [
        Difference("apt", "changed", "tree", "2.1.0-1", "9.9")
    ]
    removed = {k: v for k, v in APT.items() if k != "tree"}
    assert differences(matching(apt=removed)) == [
        Difference("apt", "missing", "tree", "2.1.0-1", None)
    ]
    assert differences(matching(apt=None))[0].kind == "missing"  # no dpkg at all


def test_labels_from_another_lock_and_another_base() -> None:
    labels = {**LABELS, LOCK_HASH_LABEL: "0" * 64}
    del labels[BASE_DIGEST_LABEL]
    assert differences(matching(labels=labels)) == [
        Difference("labels", "changed", LOCK_HASH_LABEL, LOCK_HASH, "0" * 64),
        Difference("labels", "missing", BASE_DIGEST_LABEL, INDEX, None),
    ]


def test_an_image_for_a_platform_the_lock_lacks_says_so_alone() -> None:
    found = differences(matching(platform="linux/s390x"))
    assert found == [
        Difference("labels", "changed", "platform", "one of the lock's platforms", "linux/s390x")
    ]


def test_conda_records_extra_missing_and_changed() -> None:
    good = (CondaRecord("python", "3.11.9", "h1_0", "c" * 64), CondaRecord("zlib", "1.3", "h2_0"))
    assert differences(matching(conda=good), conda=True) == []
    bad = (
        CondaRecord("python", "3.11.9", "h1_0", "d" * 64),  # same version, other file
        CondaRecord("zlib", "1.3.1", "h2_0"),
        CondaRecord("openssl", "3.0", "h3_0"),
    )
    assert differences(matching(conda=bad[1:]), conda=True) == [
        Difference("conda", "changed", "zlib", "1.3 h2_0", "1.3.1 h2_0"),
        Difference("conda", "extra", "openssl", None, "3.0 h3_0"),
        Difference("conda", "missing", "python", "3.11.9 h1_0", None),
    ]
    assert differences(matching(conda=bad[:1] + good[1:]), conda=True) == [
        Difference("conda", "changed", "python", "3.11.9 h1_0", f"3.11.9 h1_0 (sha256 {'d' * 64})")
    ]


def _fingerprint(venv: str) -> Fingerprint:
    return Fingerprint(
        Part("venv", "/opt/venv", (venv,), True),
        Part("prefix", "/opt/conda-env", (), False),
        Part("apt", "/var/lib/dpkg/status", ("tree=2.1.0-1",), True),
    )


def test_the_build_records_fingerprint_is_checked_when_there_is_one() -> None:
    built = _fingerprint("lib/six.py\t100644 aa")
    record = {"fingerprint": built.digest, **built.as_dict()}
    expected = expected_from_lock(sample_lock(), LOCK_HASH, AMD64)
    same = compare(expected, matching(fingerprint=built), record)
    assert same.match and same.checked["fingerprint"] == 1
    other = _fingerprint("lib/six.py\t100644 bb")
    found = compare(expected, matching(fingerprint=other), record).differences
    assert [(d.ecosystem, d.lock, d.image) for d in found] == [
        ("fingerprint", built.digest, other.digest)
    ]
    assert found[0].files == (f"/opt/venv: {built.venv.digest} -> {other.venv.digest}",)
