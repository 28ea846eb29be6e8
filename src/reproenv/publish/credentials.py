"""The credentials `docker push` uses: the user's docker config and credential helpers, or
REPROENV_REGISTRY_USERNAME/_PASSWORD logged in for this registry alone, in a docker config of
its own that is removed afterwards. The password goes to `docker login` on stdin only."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reproenv.engine import ContainerEngine
from reproenv.errors import ReproenvError, bad_input, environment
from reproenv.settings import REGISTRY_PASSWORD_ENV, REGISTRY_USERNAME_ENV

MASK = "***"
# what says the registry refused: docker's own output (engine) or the registry client's answer
REFUSED = frozenset({"registry-denied", "registry-auth-failed"})


@dataclass(frozen=True)
class EngineAuth:
    registry: str
    repository: str
    auth_dir: Path | None  # None: the user's own docker config
    secret: str | None = None

    @property
    def from_env(self) -> bool:
        return self.auth_dir is not None

    def explain(self, error: ReproenvError) -> ReproenvError:
        """A refusal said for this registry and credential source; never the secret."""
        if error.reference in REFUSED:
            error = refused(self.registry, self.repository, self.from_env, error.message)
        return scrub(error, self.secret)


def refused(registry: str, repository: str, from_env: bool, detail: str) -> ReproenvError:
    if from_env:
        whose = f"the credentials of {REGISTRY_USERNAME_ENV}/{REGISTRY_PASSWORD_ENV}"
        hint = (
            f"check {REGISTRY_USERNAME_ENV} and {REGISTRY_PASSWORD_ENV} (a token needs the right "
            f"to push to {repository}), or unset both to use `docker login`'s credentials"
        )
    else:
        whose = "the credentials of the docker config (or none)"
        hint = (
            f"log in with `docker login {registry}` (or set {REGISTRY_USERNAME_ENV} and "
            f"{REGISTRY_PASSWORD_ENV}) as an account that may push to {repository}"
        )
    return environment(
        f"registry {registry} refused {whose} for {repository} ({detail})",
        "registry-denied",
        hint,
        registry=registry,
        image=repository,
    )


def scrub(error: ReproenvError, secret: str | None) -> ReproenvError:
    """The secret masked wherever an engine or registry message might have quoted it."""
    if not secret:
        return error
    return dataclasses.replace(
        error,
        message=error.message.replace(secret, MASK),
        hint=error.hint.replace(secret, MASK),
        context={key: value.replace(secret, MASK) for key, value in error.context.items()},
    )


@contextmanager
def engine_auth(
    engine: ContainerEngine, registry: str, repository: str, env: Mapping[str, str]
) -> Iterator[EngineAuth]:
    username, password = env.get(REGISTRY_USERNAME_ENV), env.get(REGISTRY_PASSWORD_ENV)
    if bool(username) != bool(password):
        present, missing = (
            (REGISTRY_USERNAME_ENV, REGISTRY_PASSWORD_ENV)
            if username
            else (REGISTRY_PASSWORD_ENV, REGISTRY_USERNAME_ENV)
        )
        raise bad_input(
            f"{present} is set but {missing} is not",
            "registry-credentials-incomplete",
            f"set both to push with them, or unset {present} to use `docker login`'s credentials",
        )
    if not username or not password:
        yield EngineAuth(registry, repository, None)
        return
    folder = Path(tempfile.mkdtemp(prefix="reproenv-auth-"))  # mode 0700: only this user
    auth = EngineAuth(registry, repository, folder, password)
    try:
        try:
            engine.login(registry, username, password, auth_dir=folder)
        except ReproenvError as error:
            raise auth.explain(error) from None
        yield auth
    finally:
        shutil.rmtree(folder, ignore_errors=True)
