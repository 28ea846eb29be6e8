"""The variables a record keeps: secret-looking names' values redacted, URL credentials taken
out, and a rerun's --env rebuilt from them."""

from __future__ import annotations

from reproenv.runs.environment import (
    DETERMINISTIC_ENV,
    is_secret_name,
    recorded_env,
    redact_value,
    replay_item,
)


def test_secret_looking_names() -> None:
    for name in ("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "API_KEY", "DB_PASSWORD", "passwd",
                 "GOOGLE_APPLICATION_CREDENTIALS", "HF_AUTH", "PRIVATE_URL"):  # fmt: skip
        assert is_secret_name(name), name
    for name in ("PYTHONHASHSEED", "HOME", "PWD", "SEED", "CUBLAS_WORKSPACE_CONFIG"):
        assert not is_secret_name(name), name


def test_values_are_redacted_by_name_and_urls_lose_their_credentials() -> None:
    assert redact_value("WANDB_API_KEY", "abc123") == "***"
    assert redact_value("DATA_URL", "https://me:pw@host/x") == "https://***@host/x"
    assert redact_value("SEED", "7") == "7"
    assert redact_value("UNSET", None) is None


def test_recorded_env_resolves_bare_names_from_the_host_and_keeps_the_last() -> None:
    items = ["HOME=/home/app", "SEED=1", "SEED=2", "HF_TOKEN", "FROM_HOST", "NOT_SET"]
    host = {"HF_TOKEN": "hf_secret", "FROM_HOST": "x"}
    recorded = recorded_env(items, host)
    assert recorded == {
        "HOME": "/home/app", "SEED": "2", "HF_TOKEN": "***", "FROM_HOST": "x", "NOT_SET": None,
    }  # fmt: skip
    assert "hf_secret" not in str(recorded)


def test_replay_passes_redacted_and_unset_values_from_the_shell() -> None:
    assert replay_item("SEED", "2") == "SEED=2"
    assert replay_item("HF_TOKEN", "***") == "HF_TOKEN"
    assert replay_item("URL", "https://***@host") == "URL"
    assert replay_item("NOT_SET", None) == "NOT_SET"


def test_deterministic_variables_include_the_issues() -> None:
    names = dict(DETERMINISTIC_ENV)
    assert names["PYTHONHASHSEED"] == "0"
    assert names["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert names["TF_DETERMINISTIC_OPS"] == names["TF_CUDNN_DETERMINISTIC"] == "1"
