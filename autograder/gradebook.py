"""The course's gradebook: where it lives, checking it, backing it up, and the workers' template.

nbgrader keeps grades in any database SQLAlchemy reaches. A course's gradebook is
``gradebook.db`` (SQLite) in the course directory unless the course directory holds
a file ``gradebook_url`` with one SQLAlchemy URL, e.g.
``postgresql+psycopg://grader@db.example.org/tdn2027`` (no password in the file:
PostgreSQL reads it from ``~/.pgpass`` or ``$PGPASSWORD``). ``tdn --gradebook-url
URL build`` writes that file; every ``tdn`` command and nbgrader's own commands in
the course directory (through ``nbgrader_config.py``) then use that database.

Everything here goes through SQLAlchemy and nbgrader's own schema
(``nbgrader.api.Base``), so it is the same for SQLite and for a database server:

* :func:`check` says in one sentence why a gradebook cannot be used;
* :func:`backup` copies every table into ``backups/gradebook-<UTC time>.db``
  (a SQLite file of nbgrader's schema, whatever the course's database);
* :func:`template` is what a worker receives: a SQLite gradebook holding the
  assignments, notebooks and cells, and no student (its size does not grow with
  the class).
"""
from __future__ import annotations

import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

URL_FILE = "gradebook_url"
BACKUPS_KEPT = 20
#: nbgrader's tables that define the course (the rest hold students and their grades).
DEFINITION_TABLES = ("course", "assignment", "notebook", "base_cell", "source_cell",
                     "grade_cells", "solution_cells", "task_cells")


class GradebookError(RuntimeError):
    """The gradebook cannot be used; the message says why and what to do, in one sentence."""


def url_of(root: Path) -> str:
    """The SQLAlchemy URL of the gradebook of the course at ``root``."""
    path = Path(root) / URL_FILE
    if path.is_file():
        url = path.read_text().strip()
        if url:
            return url
    return f"sqlite:///{Path(root) / 'gradebook.db'}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def shown(url: str) -> str:
    """``url`` with any password masked, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:   # not a URL SQLAlchemy can parse: show it as given
        return url


def set_url(root: Path, url: str) -> None:
    """Point the course at ``root`` to the gradebook at ``url`` (kept in ``gradebook_url``).

    A course whose gradebook is already elsewhere is not moved silently: its grades
    would stay behind.
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        raise GradebookError(f"{url!r} is not a database URL (e.g. "
                             "postgresql+psycopg://USER@HOST/DATABASE)") from None
    if parsed.password:
        raise GradebookError("keep the password out of the gradebook URL (it is written into "
                             "the course directory): PostgreSQL reads it from ~/.pgpass or "
                             "$PGPASSWORD")
    root = Path(root)
    current = url_of(root)
    if current == url:
        return
    has_sqlite = (root / "gradebook.db").exists()
    if (root / URL_FILE).exists() or has_sqlite:
        raise GradebookError(
            f"the course in {root} already keeps its grades in {shown(current)}: to move it, "
            f"copy the grades there first, then edit {root / URL_FILE}")
    root.mkdir(parents=True, exist_ok=True)
    (root / URL_FILE).write_text(url + "\n")


def _engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(url, future=True)


def check(url: str, restore: str) -> None:
    """Raise :class:`GradebookError` unless ``url`` is a readable nbgrader gradebook."""
    if is_sqlite(url):
        path = Path(url.split(":///", 1)[1])
        if not path.exists():
            raise GradebookError(f"no gradebook at {path}: build the course first (build), "
                                 f"or {restore}")
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                con.execute("SELECT COUNT(*) FROM assignment").fetchone()
                con.execute("SELECT COUNT(*) FROM grade").fetchone()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise GradebookError(f"{path} is not a readable nbgrader gradebook ({exc}): "
                                 f"{restore}") from None
        return
    from sqlalchemy import exc as sa_exc, text

    try:
        engine = _engine(url)
    except ImportError as exc:
        raise GradebookError(f"the driver of {shown(url)} is not installed ({exc.name}): "
                             "pip install \"psycopg[binary]\" for PostgreSQL") from None
    except sa_exc.ArgumentError as exc:
        raise GradebookError(f"{shown(url)} is not a database URL ({exc})") from None
    try:
        with engine.connect() as con:
            con.execute(text("SELECT COUNT(*) FROM assignment")).scalar()
            con.execute(text("SELECT COUNT(*) FROM grade")).scalar()
    except sa_exc.OperationalError as exc:
        raise GradebookError(f"cannot reach the gradebook at {shown(url)} "
                             f"({str(exc.orig).strip().splitlines()[0]}): start the database "
                             "or check the URL in gradebook_url") from None
    except sa_exc.ProgrammingError:
        raise GradebookError(f"{shown(url)} holds no nbgrader gradebook: build the course "
                             f"first (build), or {restore}") from None
    finally:
        engine.dispose()


def copy_tables(url: str, target: Path, tables: tuple[str, ...] | None = None) -> Path:
    """Copy nbgrader's tables (all, or ``tables``) of the gradebook at ``url`` into a new
    SQLite file ``target``, with nbgrader's schema and its alembic version."""
    from nbgrader.api import Base
    from sqlalchemy import select, text

    target = Path(target)
    if target.exists():
        target.unlink()
    source = _engine(url)
    dest = _engine(f"sqlite:///{target}")
    try:
        Base.metadata.create_all(bind=dest)
        with source.connect() as src, dest.begin() as dst:
            for table in Base.metadata.sorted_tables:
                if tables is not None and table.name not in tables:
                    continue
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows:
                    dst.execute(table.insert(), rows)
            try:
                version = src.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:   # a gradebook made before nbgrader stamped versions
                version = None
            if version:
                dst.execute(text("CREATE TABLE alembic_version "
                                 "(version_num VARCHAR(32) NOT NULL)"))
                dst.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                            {"v": version})
    finally:
        source.dispose()
        dest.dispose()
    return target


def backup(url: str, folder: Path) -> Path:
    """Copy the gradebook to ``folder/gradebook-<UTC time>.db``; keep the newest 20."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    target = folder / f"gradebook-{stamp}.db"
    if is_sqlite(url):   # SQLite's online backup: a consistent copy of the file as it is
        source = sqlite3.connect(f"file:{url.split(':///', 1)[1]}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        copy_tables(url, target)
    for old in sorted(folder.glob("gradebook-*.db"))[:-BACKUPS_KEPT]:
        old.unlink()
    return target


def template(url: str) -> bytes:
    """A SQLite gradebook with the course's assignments, notebooks and cells, no student."""
    with tempfile.TemporaryDirectory(prefix="gradebook-") as tmp:
        path = copy_tables(url, Path(tmp) / "gradebook.db", DEFINITION_TABLES)
        return path.read_bytes()


def restore_hint(root: Path) -> str:
    kept = sorted((Path(root) / "backups").glob("gradebook-*.db"))
    url = url_of(root)
    if kept and is_sqlite(url):
        return f"restore the latest backup: cp {kept[-1]} {url.split(':///', 1)[1]}"
    if kept:
        return (f"restore it from the latest backup, {kept[-1]} (a SQLite copy of every "
                "table), or from your database's own backups")
    return "restore it from your own backup of the course directory" + (
        "" if is_sqlite(url) else " or of the database")


__all__ = ["BACKUPS_KEPT", "DEFINITION_TABLES", "GradebookError", "URL_FILE", "backup",
           "check", "copy_tables", "is_sqlite", "restore_hint", "set_url", "shown",
           "template", "url_of"]
