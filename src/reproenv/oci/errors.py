"""The registry client's errors: each names the registry, the image and what to do next."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reproenv.errors import ReproenvError, bad_input, environment
from reproenv.oci.platform import Platform, format_platform
from reproenv.oci.reference import ImageRef, Target
from reproenv.settings import MIRROR_ENV, REGISTRY_PASSWORD_ENV, REGISTRY_USERNAME_ENV

if TYPE_CHECKING:
    import httpx

NETWORK_HINT = (
    "Check the network connection and proxy settings; if the registry can't be reached from "
    f"here, set {MIRROR_ENV} to a reachable mirror, and run `reproenv doctor`."
)
_AUTH_HINT = (
    "If the image is private, run `docker login {host}` or set "
    f"{REGISTRY_USERNAME_ENV} and {REGISTRY_PASSWORD_ENV}; if it is public, check the name is "
    "spelled correctly (registries answer 401 for repositories that don't exist)."
)


def error_codes(response: httpx.Response) -> set[str]:
    """The `errors[].code` values of a registry's error body (MANIFEST_UNKNOWN, ...)."""
    try:
        body = response.json()
    except ValueError:
        return set()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return set()
    return {e["code"] for e in errors if isinstance(e, dict) and isinstance(e.get("code"), str)}


def bad_ca_cert(ca_cert: str, env_name: str, exc: Exception) -> ReproenvError:
    return environment(
        f"cannot load the CA bundle {ca_cert} named by {env_name}: {exc}",
        reference="bad-ca-cert",
        hint=f"Point {env_name} at a readable PEM file, or unset it.",
        path=ca_cert,
    )


def unreachable(host: str, why: str) -> ReproenvError:
    return environment(
        f"registry {host} is unreachable: {why}",
        reference="registry-unreachable",
        hint=NETWORK_HINT,
        registry=host,
    )


def not_a_registry(target: Target, status_code: int) -> ReproenvError:
    return environment(
        f"registry {target.registry} answered HTTP {status_code} at "
        f"{target.base_url}/v2/; it doesn't look like a working OCI registry",
        reference="registry-unreachable",
        hint=NETWORK_HINT,
        registry=target.registry,
    )


def rate_limited(target: Target, who: str) -> ReproenvError:
    return environment(
        f"registry {who} is rate-limiting requests for {target.upstream}{target.via}",
        reference="registry-rate-limited",
        hint=(
            "Wait and retry, log in (`docker login` or "
            f"{REGISTRY_USERNAME_ENV}/{REGISTRY_PASSWORD_ENV}) for a higher limit, or set "
            f"{MIRROR_ENV} to a pull-through mirror."
        ),
        registry=who,
        image=str(target.upstream),
    )


def auth_failed(target: Target, had_credentials: bool) -> ReproenvError:
    who = "the configured credentials were refused" if had_credentials else "no credentials"
    return bad_input(
        f"registry {target.registry} refused access to {target.upstream}{target.via} ({who})",
        reference="registry-auth-failed",
        hint=_AUTH_HINT.format(host=target.registry),
        registry=target.registry,
        image=str(target.upstream),
    )


def image_not_found(target: Target) -> ReproenvError:
    return bad_input(
        f"image {target.upstream} was not found{target.via}",
        reference="image-not-found",
        hint=(
            "Check that the repository and tag exist (and are spelled correctly) on "
            f"{target.upstream.registry}"
            + (f", and that mirror {target.registry} proxies it." if target.via else ".")
        ),
        registry=target.registry,
        image=str(target.upstream),
    )


def unexpected(target: Target, response: httpx.Response, who: str) -> ReproenvError:
    codes = ", ".join(sorted(error_codes(response))) or "no error code"
    return bad_input(
        f"{who} rejected the request for {target.upstream}{target.via}: "
        f"HTTP {response.status_code} ({codes})",
        reference="registry-request-rejected",
        hint="Check the image reference; if it is right, the registry may not support it.",
        registry=target.registry,
        image=str(target.upstream),
    )


def no_token(target: Target, realm_host: str) -> ReproenvError:
    return environment(
        f"token service {realm_host} for registry {target.registry} returned no token "
        f"for {target.upstream}{target.via}",
        reference="registry-bad-response",
        hint="Retry later; if it persists, the registry's auth service is misbehaving.",
        registry=target.registry,
        image=str(target.upstream),
    )


def digest_mismatch(target: Target, detail: str) -> ReproenvError:
    return environment(
        f"registry {target.registry} returned content for {target.upstream}{target.via} "
        f"that doesn't match its digest: {detail}",
        reference="registry-digest-mismatch",
        hint=(
            "Something between here and the registry altered the response; retry, and "
            "bypass any proxy or mirror that rewrites content."
        ),
        registry=target.registry,
        image=str(target.upstream),
    )


def not_a_json_object(target: Target, what: str) -> ReproenvError:
    return environment(
        f"registry {target.registry} returned a {what} for {target.upstream}{target.via} "
        "that is not a JSON object",
        reference="registry-bad-response",
        hint="Retry later; if it persists, check the registry (or mirror) speaks OCI.",
        registry=target.registry,
        image=str(target.upstream),
    )


def unsupported_manifest(target: Target, media_type: str) -> ReproenvError:
    return bad_input(
        f"image {target.upstream}{target.via} has an unsupported manifest type "
        f"{media_type or 'unknown'!r}",
        reference="image-manifest-unsupported",
        hint=(
            "Use an image pushed as an OCI or Docker v2 manifest (any current "
            "docker/buildx/podman push does that)."
        ),
        registry=target.registry,
        image=str(target.upstream),
    )


def index_not_an_image(ref: ImageRef) -> ReproenvError:
    return bad_input(
        f"{ref} names an image index, not one platform's image",
        reference="image-manifest-unsupported",
        hint="Pass the digest of a platform manifest (as reproenv.lock records).",
        image=str(ref),
    )


def platform_missing(target: Target, platform: Platform, available: list[str]) -> ReproenvError:
    listed = ", ".join(dict.fromkeys(available)) or "none"
    return bad_input(
        f"image {target.upstream}{target.via} has no {format_platform(platform)} variant "
        f"(available: {listed})",
        reference="image-platform-missing",
        hint=(
            "Pick platforms the image is published for, or a tag/base image that is built "
            "for the platform you need."
        ),
        registry=target.registry,
        image=str(target.upstream),
        platform=format_platform(platform),
        available=listed,
    )


def config_without_platform(target: Target) -> ReproenvError:
    return environment(
        f"the config of {target.upstream}{target.via} doesn't say its os/architecture",
        reference="registry-bad-response",
        hint="Re-push the image with a current build tool.",
        registry=target.registry,
        image=str(target.upstream),
    )


def no_config_blob(target: Target) -> ReproenvError:
    return environment(
        f"the manifest of {target.upstream}{target.via} names no valid config blob",
        reference="registry-bad-response",
        hint="Retry later; if it persists, re-push the image.",
        registry=target.registry,
        image=str(target.upstream),
    )


def push_denied(target: Target, had_credentials: bool) -> ReproenvError:
    who = "the configured credentials were refused" if had_credentials else "no credentials"
    return bad_input(
        f"registry {target.registry} refused to let {target.repository} be written ({who})",
        reference="registry-push-denied",
        hint=(
            f"Run `docker login {target.registry}` (or set {REGISTRY_USERNAME_ENV} and "
            f"{REGISTRY_PASSWORD_ENV}) with an account that may push to {target.repository}."
        ),
        registry=target.registry,
        repository=target.repository,
    )


def push_rejected(target: Target, response: httpx.Response, what: str) -> ReproenvError:
    codes = ", ".join(sorted(error_codes(response))) or "no error code"
    return bad_input(
        f"registry {target.registry} rejected {what} for {target.repository}: "
        f"HTTP {response.status_code} ({codes})",
        reference="registry-push-rejected",
        hint=(
            "Check that the repository may be created there (some registries need a project "
            "or namespace made first) and that it accepts OCI and Docker v2 manifests."
        ),
        registry=target.registry,
        repository=target.repository,
    )


def copy_mismatch(target: Target, what: str, detail: str) -> ReproenvError:
    return environment(
        f"{what} read for {target.upstream} {detail}; nothing of it was committed to "
        f"{target.registry}",
        reference="registry-digest-mismatch",
        hint=(
            "Something between here and the source registry altered the content; retry, and "
            "bypass any proxy or mirror that rewrites it."
        ),
        registry=target.registry,
        image=str(target.upstream),
    )
