"""`iopcurr build --zip`: the built site as one deterministic zip file, for USB sticks and email.

The same files give the same bytes: names sorted, every entry dated 1980-01-01 00:00, mode 0644,
compressed at one fixed level, and the archive comment says iopcurr wrote it. The files sit
in one folder named after the site (`site/index.html`), so unpacking makes one folder. The zip
is written beside the site folder (`site.zip` next to `site/`) and swapped in whole; a file of
that name that iopcurr did not write is refused, never replaced.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

from iopcurr.errors import IopError
from iopcurr.model import OutputFile

COMMENT = b"iopcurr site"
EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
MODE = 0o644


def zip_bytes(files: Iterable[OutputFile], folder: str) -> bytes:
    """The zip of `files` inside `folder/`: the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for f in sorted(files, key=lambda f: f.path):
            info = zipfile.ZipInfo(f"{folder}/{f.path}", date_time=EPOCH)
            info.external_attr = (0o100000 | MODE) << 16  # a regular file, rw-r--r--
            info.create_system = 3  # Unix, so that the mode is read
            archive.writestr(info, f.content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        archive.comment = COMMENT
    return buffer.getvalue()


def write_zip(files: Iterable[OutputFile], out: Path) -> Path:
    """Write the zip of the site built into `out` beside it (`<out>.zip`); returns its path."""
    target = out.with_name(f"{out.name}.zip")
    if (target.exists() or target.is_symlink()) and not _ours(target):
        raise IopError(f"{target} exists and iopcurr did not write it, so it is left as it is. "
                       "Move it away, or build into another folder (--out).", path=str(target))
    data = zip_bytes(files, out.name)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise IopError(f"cannot write {target}: {exc.strerror or exc}.", path=str(target), code=1) from exc
    return target


def _ours(path: Path) -> bool:
    """Whether `path` is a zip iopcurr wrote (a regular file whose archive comment says so)."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.comment == COMMENT
    except (OSError, zipfile.BadZipFile):
        return False
