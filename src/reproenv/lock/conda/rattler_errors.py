"""py-rattler's exceptions by what they mean to a user: a spec they wrote, or a channel that
could not be read. (They share no base class but Exception.)"""

from __future__ import annotations

from rattler import exceptions

SPEC_ERRORS: tuple[type[Exception], ...] = (
    exceptions.InvalidMatchSpecError,
    exceptions.InvalidVersionSpecError,
    exceptions.InvalidPackageNameError,
    exceptions.CanonicalMatchSpecError,
)
FETCH_ERRORS: tuple[type[Exception], ...] = (
    exceptions.FetchRepoDataError,
    exceptions.GatewayError,
    exceptions.InvalidChannelError,
    exceptions.InvalidUrlError,
    exceptions.IoError,
    exceptions.CacheDirError,
)
