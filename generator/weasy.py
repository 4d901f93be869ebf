"""Importing WeasyPrint quickly.

In: nothing. Out: the `weasyprint` module, imported once per process.

WeasyPrint opens Pango, HarfBuzz and fontconfig through cffi, trying several names per library
(``libgobject-2.0-0``, ``gobject-2.0-0``, ... ``libgobject-2.0.so.0``). Each name that does not
open directly makes cffi call `ctypes.util.find_library`, which on Linux starts ``ldconfig``,
``gcc`` and ``ld`` as subprocesses: about 50 processes and 0.3 s of every cold ``advocate render``.
Here `find_library` is answered, for the duration of the import only, from one ``ldconfig -p``
listing read once; the real function is restored afterwards. If the import fails that way, it is
retried with the real `find_library`, so the result is never worse than a plain import.
"""

from __future__ import annotations

import re
import subprocess
import sys
from types import ModuleType


def import_weasyprint() -> ModuleType:
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = _listed_library(_ldconfig_sonames())
    try:
        import weasyprint
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = original
        import weasyprint
    finally:
        ctypes.util.find_library = original
    return weasyprint


def _ldconfig_sonames() -> list[str]:
    """The shared libraries the dynamic linker knows (``ldconfig -p``), or none if it cannot run."""
    for exe in ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"):
        try:
            listing = subprocess.run([exe, "-p"], capture_output=True, text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        return re.findall(r"^\s+(lib\S+\.so[^\s]*)\s", listing, re.M)
    return []


def _listed_library(sonames: list[str]):  # type: ignore[no-untyped-def]
    def find_library(name: str) -> str | None:
        """Like ctypes.util.find_library on Linux: 'gobject-2.0' -> 'libgobject-2.0.so.0'."""
        prefix = f"lib{name}.so"
        return next((s for s in sonames if s == prefix or s.startswith(prefix + ".")), None)

    return find_library
