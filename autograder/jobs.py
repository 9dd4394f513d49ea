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


def pack(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(Path(folder).rglob("*")):
            if "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buf.getvalue()


def unpack(data: bytes, dest: Path) -> Path:
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest
