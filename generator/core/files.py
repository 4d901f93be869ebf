"""Reading the workspace's own files, which other people write: inside the workspace, UTF-8, files.

In: a path and the workspace root it belongs to (None for a file named on the command line).
Out: the file's text, or an `InputError` naming the file (and the line of a byte that is not
UTF-8) when it is missing, a folder, a symbolic-link loop, a link leading out of the workspace,
unreadable or not UTF-8. Every loader of YAML, TOML and catalogues reads through here.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .errors import InputError, Where

OUTSIDE_HINT = "copy the file into the workspace: its files may not be links to other places"


def resolve_inside(path: Path, root: Path | None) -> Path:
    """The real path of `path` (symbolic links followed), which must exist and, when `root` is
    given, lie inside the real `root`."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        raise InputError("file not found", Where(path)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("symbolic link loop", Where(path), hint="remove or repoint the link") from None
        raise InputError(f"cannot read: {exc.strerror}", Where(path)) from None
    if root is not None and not real.is_relative_to(os.path.realpath(root)):
        raise InputError("a symbolic link leads outside the workspace", Where(path), hint=OUTSIDE_HINT)
    return real


def read_text(path: Path, root: Path | None = None, max_bytes: int | None = None) -> str:
    """The UTF-8 text of the file at `path` (inside `root` when given; at most `max_bytes` long)."""
    real = resolve_inside(path, root)
    if real.is_dir():
        raise InputError("is a folder, not a file", Where(path), hint="rename or remove the folder")
    try:
        if max_bytes is not None and real.stat().st_size > max_bytes:
            raise InputError(f"file too large (over {max_bytes // 1_000_000} MB)", Where(path), hint="split it into smaller files")
        data = real.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Where(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            Where(path, line),
            hint="save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)",
        ) from None


def yaml_files(folder: Path, root: Path) -> list[Path]:
    """The ``*.yaml`` entries of a workspace folder, sorted ([] when there is no such folder); the
    folder itself must not be a link loop or lead outside `root` (its files are checked when read)."""
    if not os.path.lexists(folder):
        return []
    resolve_inside(folder, root)
    return sorted(folder.glob("*.yaml"))


Stamp = tuple[tuple[str, int, int, int], ...]


def stamp(*paths: Path) -> Stamp:
    """What the files at `paths` (a folder: every file below it) are now, as (path, mtime_ns,
    ctime_ns, size) each: the key for a cache of what was read from them, so that a long-lived
    process (a Dask worker, the preview) and the cache folder read them again once any of them
    changes. The status-change time catches a file replaced by a copy that kept its modification
    time and size (``cp -p``, ``rsync -t``): no program can set it."""
    found: list[tuple[str, int, int, int]] = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.is_file() else []
        for file in files:
            status = file.stat()
            found.append((str(file), status.st_mtime_ns, status.st_ctime_ns, status.st_size))
    return tuple(found)
