"""What travels between the coordinator and a worker: one submission in, one result out.

Both are plain data (bytes, strings, numbers), so the same job runs in this
process, in a process pool or on a Dask cluster on other machines, and the
worker never needs the course directory.
"""
from __future__ import annotations

import io
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox import Limits


@dataclass
class Job:
    assignment: str
    student: str
    notebook: str
    source: bytes
    submission: bytes
    gradebook: bytes
    limits: Limits = field(default_factory=Limits.from_env)


@dataclass
class Result:
    assignment: str
    student: str
    ok: bool
    reason: str = ""
    timestamp: str | None = None
    grades: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    autograded: bytes = b""
    feedback: bytes = b""
    log: str = ""
    seconds: float = 0.0
    notes: str = ""
    # grade_id -> why the grader's re-check took the cell's points back
    withdrawn: dict[str, str] = field(default_factory=dict)
    # one sentence per slip in the submitted notebook that the grader repaired
    repairs: list[str] = field(default_factory=list)
    # False when the kernel ran without bubblewrap (``--no-sandbox``)
    isolated: bool = True


#: gzip's fastest level: a job or result is packed once and unpacked once, on one
#: network at most; level 9 (tarfile's default) took 6x as long for a fifth fewer bytes.
COMPRESSLEVEL = 1


def pack(folder: Path, unless_as_in: Path | None = None) -> bytes:
    """``folder`` as a gzipped tar; with ``unless_as_in``, without the files that are
    byte for byte the same at the same place under that folder."""
    buf = io.BytesIO()
    folder = Path(folder)
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=COMPRESSLEVEL) as tar:
        for path in sorted(folder.rglob("*")):
            if "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            relative = path.relative_to(folder)
            if unless_as_in is not None and _same_file(path, Path(unless_as_in) / relative):
                continue
            tar.add(path, arcname=str(relative), recursive=False)
    return buf.getvalue()


def _same_file(path: Path, other: Path) -> bool:
    if path.is_dir() or path.is_symlink() or not other.is_file() or other.is_symlink():
        return False
    return (path.stat().st_size == other.stat().st_size
            and path.read_bytes() == other.read_bytes())


def unpack(data: bytes, dest: Path) -> Path:
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest
