"""The installed wheel (tests/run.sh installs build/wheels/parlor_ffi-*.whl into a fresh venv
and runs this beside the suite in tests/python): the `parlor_ffi` the suite imports is the
installed one, with its own library, and the wheel's version is the workspace's Cargo
version, the one the Android and iOS scripts write (mobile-bindings/version.sh)."""

import importlib.metadata
import subprocess
import sys
import sysconfig
from pathlib import Path

from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:
    tomllib = None

import parlor_ffi

ROOT = Path(__file__).resolve().parents[3]
SITE = {Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}


def installed(path):
    return any(site in Path(path).resolve().parents for site in SITE)


def test_the_imported_module_and_library_are_the_installed_ones():
    assert installed(parlor_ffi.__file__), f"parlor_ffi from {parlor_ffi.__file__}, not from {SITE}"
    assert ROOT / "build" not in Path(parlor_ffi.__file__).resolve().parents
    lib = Path(parlor_ffi.__file__).with_name("libparlor_ffi.so")
    # The library the process has mapped is the one in the installed package.
    fields = (line.split(maxsplit=5) for line in Path("/proc/self/maps").read_text().splitlines())
    mapped = {f[5] for f in fields if len(f) == 6 and f[5].endswith("libparlor_ffi.so")}
    assert mapped == {str(lib.resolve())}, mapped


def test_the_wheel_is_a_platform_wheel_with_the_module_and_library():
    dist = importlib.metadata.distribution("parlor-ffi")
    wheel = dist.read_text("WHEEL")
    assert "Root-Is-Purelib: false" in wheel
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert f"Tag: py3-none-{platform}" in wheel
    files = {str(f) for f in dist.files}
    assert {"parlor_ffi/__init__.py", "parlor_ffi/libparlor_ffi.so"} <= files


def test_the_version_is_the_cargo_version():
    installed_version = importlib.metadata.version("parlor-ffi")
    script = subprocess.run([str(ROOT / "mobile-bindings" / "version.sh")],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert Version(installed_version) == Version(script)
    if tomllib is not None:
        with open(ROOT / "Cargo.toml", "rb") as f:
            cargo = tomllib.load(f)["workspace"]["package"]["version"]
        assert Version(installed_version) == Version(cargo)
    # parlor-ffi inherits the workspace's version.
    with open(ROOT / "mobile-bindings" / "Cargo.toml") as f:
        assert "version.workspace = true" in f.read()
