"""The user's cache folder: data advocate can always make again, kept between runs to save time
(compiled letter templates, render/render.py; the loaded workspace, load/loaded.py; a language's
checked catalogue, translate/runtime.py).

In: ``ADVOCATE_CACHE_DIR`` (a folder, or ``off``), else ``$XDG_CACHE_HOME/advocate``, else
``~/.cache/advocate`` (``%LOCALAPPDATA%\\advocate`` on Windows). Out: the folder for one kind of
cached data, created private (mode 0700) and checked before each use: a real folder (not a link),
owned by the user, writable by no one else, in a folder others cannot rename it in. What is
cached there is run (compiled templates, pickled data), so a folder that fails the check is not
used; neither is one that cannot be created. advocate then works as without a cache, and says why
on its debug log (``--debug``). `recall` and `keep` read and write one entry, whole or not at
all; `cache_key` makes the key of data made from a workspace's files.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import pickle
import stat
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from .files import Stamp, stamp

CACHE_ENV = "ADVOCATE_CACHE_DIR"
LOG = logging.getLogger("advocate.cache")


def cache_root() -> Path | None:
    """The cache folder's root (None: caching is off)."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        root = Path(chosen).expanduser().absolute()  # (a relative folder: from the current one)
    elif os.name == "nt":
        root = Path(os.environ.get("LOCALAPPDATA", "")) / "advocate"
    else:
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        root = (Path(base) if os.path.isabs(base) else Path(os.path.expanduser("~")) / ".cache") / "advocate"
    if not root.is_absolute():  # no home folder to be found: never a folder in the current one
        _no_cache("%s is not an absolute path", root)
        return None
    return root


_SAID: set[str] = set()


def _no_cache(reason: str, *args: Any) -> None:
    """Say on the debug log why a folder is not used, once per process (it is checked at each use)."""
    message = "no cache: " + reason % args
    if message not in _SAID:
        _SAID.add(message)
        LOG.debug("%s", message)


def private_folder(name: str) -> Path | None:
    """``ROOT/name``, created if need be, when it is safe to keep code in; else None."""
    root = cache_root()
    if root is None:
        return None
    folder = root / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info, parent = os.lstat(folder), os.stat(folder.parent)
    except OSError as exc:
        _no_cache("%s cannot be created (%s)", folder, exc)
        return None
    if parent.st_mode & stat.S_IWOTH and not parent.st_mode & stat.S_ISVTX:
        _no_cache("%s is in a folder anyone may change", folder)
        return None
    if not stat.S_ISDIR(info.st_mode):
        _no_cache("%s is not a folder (a link?)", folder)
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        _no_cache("%s belongs to another user", folder)
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        _no_cache("%s is writable by others (mode %o)", folder, stat.S_IMODE(info.st_mode))
        return None
    return folder


def recall(kind: str, name: str, key: bytes) -> Any | None:
    """The value kept as `name` in the `kind` folder under `key` (a digest of everything it was
    made from), or None: nothing kept, kept under another key, damaged, or the cache is off."""
    folder = private_folder(kind)
    if folder is None:
        return None
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    if not data.startswith(key):
        return None
    try:
        return pickle.loads(data[len(key) :])
    except Exception as exc:  # damaged (cut short by a full disk, another format): made again
        LOG.debug("cache entry %s/%s not used: %s", kind, name, exc)
        return None


def keep(kind: str, name: str, key: bytes, value: Any) -> None:
    """Keep `value` as `name` in the `kind` folder under `key`, replacing what was kept there
    (written whole or not at all; a failure is logged and the command goes on)."""
    folder = private_folder(kind)
    if folder is None:
        return
    temporary = None
    try:
        data = key + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f"{name}.", suffix=".tmp", delete=False) as handle:
            temporary = handle.name
            handle.write(data)
        os.replace(temporary, folder / name)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:  # a full disk; something unpicklable
        LOG.debug("cache entry %s/%s not written: %s", kind, name, exc)
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def cache_key(roots: tuple[Path, ...], part: str, files: Stamp, *packages: str) -> tuple[str, bytes]:
    """(entry name, key) for `part` of the workspace `roots` (a language's catalogue, ""), made
    out of `files` by advocate's code with `packages`: one entry per workspace and part, replaced
    when anything changes; the key digests the files' state, advocate's modules, Python and the
    packages' installed state."""
    name = hashlib.sha256(repr((roots, part)).encode()).hexdigest()[:32]
    code = (_advocate_code(), sys.version, [_installed(package) for package in packages])
    return name, hashlib.sha256(repr((roots, part, files, code)).encode()).digest()


def _installed(package: str) -> Stamp:
    """The state of `package`'s installed files (its __init__), found without importing it: a
    render from the cache folder reads no YAML and need not import PyYAML."""
    spec = importlib.util.find_spec(package)
    return stamp(Path(spec.origin)) if spec is not None and spec.origin else ()


@cache
def _advocate_code() -> Stamp:
    """The state of advocate's own modules (the bundled library in an installed package aside):
    what was made by other code is made again."""
    package = Path(__file__).resolve().parent.parent
    found = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = sorted(s for s in subfolders if s not in ("_bundle", "__pycache__"))
        for file in sorted(n for n in names if n.endswith(".py")):
            info = os.stat(os.path.join(folder, file))
            found.append((os.path.join(folder, file), info.st_mtime_ns, info.st_ctime_ns, info.st_size))
    return tuple(found)
