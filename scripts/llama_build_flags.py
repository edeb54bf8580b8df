"""Print the CMAKE_ARGS that build llama-cpp-python for this machine, with llama.cpp's AMX backend left out.

llama.cpp built with its default native flags on an Intel CPU with AMX (Sapphire Rapids and newer)
includes the AMX backend, and the first generation segfaults (upstream llama.cpp issue 20824).
So the build is never native: each SIMD level this CPU reports in /proc/cpuinfo is switched on by
name, and the three AMX options are always off. On CPUs that are not x86-64 (Arm, Apple) there is
no AMX and the native build is kept. Everywhere, llama-cpp-python's image and audio library is left out. Standard library only: it runs before the virtualenv exists.

Usage: CMAKE_ARGS="$(python3 scripts/llama_build_flags.py)" pip install llama-cpp-python
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

# llama.cpp (ggml) build option -> the /proc/cpuinfo flags the CPU must report for it to be safe
SIMD_OPTIONS = {
    "GGML_SSE42": ("sse4_2",),
    "GGML_AVX": ("avx",),
    "GGML_AVX2": ("avx2",),
    "GGML_BMI2": ("bmi2",),
    "GGML_FMA": ("fma",),
    "GGML_F16C": ("f16c",),
    "GGML_AVX_VNNI": ("avx_vnni",),
    "GGML_AVX512": ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"),
    "GGML_AVX512_VBMI": ("avx512f", "avx512vbmi"),
    "GGML_AVX512_VNNI": ("avx512f", "avx512_vnni"),
    "GGML_AVX512_BF16": ("avx512f", "avx512_bf16"),
}
NEVER = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")  # the backend that crashes (issue 20824)
# llama-cpp-python's image and audio library (mtmd): the bot reads text only, and it is 15% of the build time
NOT_NEEDED = "-DLLAVA_BUILD=OFF"


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first processor listed in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def cmake_args(flags: set[str], machine: str) -> str:
    """CMAKE_ARGS for llama.cpp on a CPU with ``flags``; ``machine`` as ``platform.machine()`` gives it."""
    if machine.lower() not in ("x86_64", "amd64"):
        return NOT_NEEDED  # no AMX outside x86-64: llama.cpp's native build is right there
    options = ["-DGGML_NATIVE=OFF"]
    options += [f"-D{name}={'ON' if all(f in flags for f in needs) else 'OFF'}"
                for name, needs in SIMD_OPTIONS.items()]
    options += [f"-D{name}=OFF" for name in NEVER]
    return " ".join([*options, NOT_NEEDED])


def main() -> int:
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpu_flags(cpuinfo.read_text(errors="replace")) if cpuinfo.is_file() else set()
    if not flags and platform.machine().lower() in ("x86_64", "amd64"):
        flags = {"sse4_2", "avx", "avx2", "fma", "f16c"}  # no /proc (macOS, Windows): a common x86-64 level
    print(cmake_args(flags, platform.machine()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
