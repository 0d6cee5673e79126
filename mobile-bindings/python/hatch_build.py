"""Hatchling hooks of the parlor-ffi wheel (pyproject.toml; run by build-wheel.sh).

- CargoVersion: the version is the workspace's Cargo.toml `[workspace.package] version`
  (normalised to PEP 440: 0.2.0-rc.1 becomes 0.2.0rc1), the one version of the crate, the
  wheel, the Android module and the Swift package.
- GeneratedBindings: the wheel holds the package `parlor_ffi` made of the files
  mobile-bindings/generate.sh wrote to build/bindings/python: the generated parlor_ffi.py as
  `parlor_ffi/__init__.py` (so `import parlor_ffi` is exactly the generated module, every name
  of it), `parlor_ffi/streams.py` (asyncio streams over its listeners, from this folder) and
  libparlor_ffi.so beside it, where the module loads it from
  (`os.path.dirname(__file__)`). The tag is py3-none-<this platform>: the library is loaded
  through ctypes, so any Python 3 can use it, but it is a Linux build for this machine's
  architecture, linked against the system's libssl3, libcrypto3, libopus0 and libasound2.
  It is not tagged manylinux: auditwheel would have to copy those libraries into the wheel.
"""

import os
import sys
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface
from packaging.version import InvalidVersion, Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # hatchling itself depends on tomli before 3.11
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BINDINGS = ROOT / "build" / "bindings" / "python"
FROM_CHECKOUT = (
    "the parlor-ffi wheel is built from a checkout of the Parlor workspace, after "
    "mobile-bindings/generate.sh: run mobile-bindings/python/build-wheel.sh"
)


def cargo_version() -> str:
    """The workspace's `[workspace.package] version`, normalised to PEP 440."""
    cargo_toml = ROOT / "Cargo.toml"
    try:
        with open(cargo_toml, "rb") as f:
            raw = tomllib.load(f)["workspace"]["package"]["version"]
    except (OSError, KeyError) as e:
        raise RuntimeError(f"no [workspace.package] version in {cargo_toml} ({e}); {FROM_CHECKOUT}") from e
    try:
        return str(Version(raw))
    except InvalidVersion as e:
        raise RuntimeError(f"Cargo version {raw!r} has no PEP 440 form; use e.g. 1.2.0, 1.2.0-rc.1") from e


class CargoVersion(MetadataHookInterface):
    """Sets `version` (pyproject.toml lists it as dynamic)."""

    def update(self, metadata):
        metadata["version"] = cargo_version()


class GeneratedBindings(BuildHookInterface):
    """Adds the generated module and the library, and tags the wheel for this platform."""

    def initialize(self, version, build_data):
        if version != "standard":
            raise RuntimeError(f"only a standard wheel is built (not {version!r}); {FROM_CHECKOUT}")
        if not sys.platform.startswith("linux"):
            raise RuntimeError("generate.sh makes a Linux library (libparlor_ffi.so) only")
        files = {
            BINDINGS / "parlor_ffi.py": "parlor_ffi/__init__.py",
            BINDINGS / "libparlor_ffi.so": "parlor_ffi/libparlor_ffi.so",
            # The asyncio streams over the listeners, written by hand (the twin of the
            # Kotlin Flows and Swift AsyncStreams generate.sh ships with those bindings).
            HERE / "streams.py": "parlor_ffi/streams.py",
        }
        missing = [str(p) for p in files if not p.is_file()]
        if missing:
            raise RuntimeError(f"missing {', '.join(missing)}; {FROM_CHECKOUT}")
        for source, target in files.items():
            build_data["force_include"][str(source)] = target
        build_data["pure_python"] = False
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["tag"] = f"py3-none-{platform}"
