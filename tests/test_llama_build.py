"""The llama.cpp build: flags without AMX for every x86-64 CPU, and the start-up check that refuses AMX."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from conftest import ROOT

from chatbot.answer.generation.llama_build import amx_features, check_build
from chatbot.common.errors import ConfigError

spec = importlib.util.spec_from_file_location("llama_build_flags", ROOT / "scripts" / "llama_build_flags.py")
flags_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(flags_script)

SAPPHIRE_RAPIDS = ("fpu sse4_2 avx avx2 fma f16c bmi2 avx512f avx512cd avx512vl avx512dq avx512bw avx512vbmi "
                   "avx512_vnni avx512_bf16 avx_vnni amx_bf16 amx_tile amx_int8")
AMX_INFO = "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 |"


def test_flags_on_an_amx_cpu_keep_every_simd_level_and_leave_amx_out():
    args = flags_script.cmake_args(set(SAPPHIRE_RAPIDS.split()), "x86_64").split()
    assert "-DGGML_NATIVE=OFF" in args
    for on in ("GGML_AVX", "GGML_AVX2", "GGML_FMA", "GGML_F16C", "GGML_AVX512", "GGML_AVX512_VNNI"):
        assert f"-D{on}=ON" in args
    for off in ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16", "LLAVA_BUILD"):
        assert f"-D{off}=OFF" in args


def test_flags_never_switch_on_what_the_cpu_lacks():
    args = flags_script.cmake_args({"sse4_2", "avx", "avx2", "fma", "f16c"}, "x86_64").split()
    assert "-DGGML_AVX2=ON" in args and "-DGGML_AVX512=OFF" in args and "-DGGML_AVX_VNNI=OFF" in args
    assert flags_script.cmake_args(set(), "aarch64") == "-DLLAVA_BUILD=OFF"  # Arm: no AMX, the native build


def test_cpu_flags_are_read_from_cpuinfo_text():
    text = "processor\t: 0\nflags\t\t: fpu avx2 amx_int8\n\nprocessor\t: 1\nflags\t\t: fpu avx2 amx_int8\n"
    assert flags_script.cpu_flags(text) == {"fpu", "avx2", "amx_int8"}
    assert flags_script.cpu_flags("") == set()


def test_the_script_prints_the_flags_for_this_machine():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "llama_build_flags.py")], capture_output=True,
                         text=True, check=True).stdout
    assert "AMX" not in out or "-DGGML_AMX_INT8=OFF" in out


def test_check_build_refuses_an_amx_build_with_the_fix():
    assert amx_features(AMX_INFO) == ["AMX_INT8 = 1"]
    with pytest.raises(ConfigError, match="scripts/setup.sh"):
        check_build(AMX_INFO)
    assert check_build("CPU : AVX2 = 1 | AVX512 = 1 |") == "CPU : AVX2 = 1 | AVX512 = 1 |"


def test_the_installed_llama_cpp_has_no_amx_backend():
    pytest.importorskip("llama_cpp", reason='needs `pip install "llama-cpp-python>=0.3.16,<0.4"`')
    info = check_build()  # raises on a build with AMX in it
    assert "CPU" in info and amx_features(info) == []
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_llama_build.py")], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_spaces_requirements_build_llama_cpp_without_amx_and_not_native():
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    requirements = {r.requirement.split("==")[0]: r for r in
                    parse_requirements(str(ROOT / "requirements.txt"), session=PipSession())}
    settings = requirements["llama-cpp-python"].options["config_settings"]
    assert settings["cmake.define.GGML_NATIVE"] == "OFF"
    assert all(settings[f"cmake.define.GGML_AMX_{part}"] == "OFF" for part in ("TILE", "INT8", "BF16"))
