"""The user's cache folder: data advocate can always make again, kept between runs to save time
(compiled letter templates, generator/render/render.py).

In: ``ADVOCATE_CACHE_DIR`` (a folder, or ``off``), else ``$XDG_CACHE_HOME/advocate``, else
``~/.cache/advocate`` (``%LOCALAPPDATA%\\advocate`` on Windows). Out: the folder for one kind of
cached data, created private (mode 0700) and checked before each use: a real folder (not a link),
owned by the user and writable by no one else. What is cached there is run (compiled templates),
so a folder that fails the check is not used; neither is one that cannot be created. advocate
then works as without a cache, and says why on the debug log ("advocate.cache", ``--debug``).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

CACHE_ENV = "ADVOCATE_CACHE_DIR"
LOG = logging.getLogger("advocate.cache")


def cache_root() -> Path | None:
    """The cache folder's root (None: caching is off)."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "advocate" if base else None
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "advocate"


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
        LOG.debug("no cache: %s cannot be created (%s)", folder, exc)
        return None
    if parent.st_mode & stat.S_IWOTH and not parent.st_mode & stat.S_ISVTX:
        LOG.debug("no cache: %s is in a folder anyone may change", folder)
        return None
    if not stat.S_ISDIR(info.st_mode):
        LOG.debug("no cache: %s is not a folder (a link?)", folder)
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        LOG.debug("no cache: %s belongs to another user", folder)
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        LOG.debug("no cache: %s is writable by others (mode %o)", folder, stat.S_IMODE(info.st_mode))
        return None
    return folder
