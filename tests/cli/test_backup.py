"""`lupuscare backup` / `lupuscare restore` (issue 12.10), whole-process, on a real data directory.

A demo cohort plus a private upload is backed up, restored into an empty data directory (and, on
PostgreSQL, an empty database), and every table is compared row by row with the source, and the
uploads byte by byte. SQLite always runs; the PostgreSQL variant runs when
``LUPUSCARE_DATABASE_URL`` names a PostgreSQL server (the ``-m database`` pass of ``make test``),
in two scratch databases named after it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.database

SRC = str(Path(__file__).resolve().parents[2] / "src")
PG_URL = os.environ.get("LUPUSCARE_DATABASE_URL", "")
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL.startswith(("postgres://", "postgresql://")),
    reason="LUPUSCARE_DATABASE_URL does not name a PostgreSQL server"))]
UPLOAD = "private/diary-photos/3f2a.jpg"


def lupuscare(data_dir: Path, db_url: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LUPUSCARE_DATABASE_URL"}
    env.update(LUPUSCARE_DATA_DIR=str(data_dir),
               PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if db_url:
        env["LUPUSCARE_DATABASE_URL"] = db_url
    return subprocess.run([sys.executable, "-m", "lupuscare.cli", *args], capture_output=True,
                          text=True, env=env, timeout=600, check=False)


# --- the two engines: where the database is and how to read every table --------------------
def _pg_url(name: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _scratch_pg(suffix: str) -> str:
    # one scratch database per xdist worker, so parallel runs never share one
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = (urlsplit(PG_URL).path.lstrip("/") or "lupuscare") + suffix + (f"_{worker}" if worker else "")
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(f'CREATE DATABASE "{name}"')
    return name


def all_tables(engine: str, data_dir: Path, db_url: str | None) -> dict[str, list[tuple]]:
    """Every table's rows (sorted), so two databases compare by content, not only counts."""
    if engine == "sqlite":
        with closing(sqlite3.connect(data_dir / "lupuscare.sqlite3")) as db:
            names = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    import psycopg
    from psycopg import sql

    with psycopg.connect(db_url) as db:
        names = [r[0] for r in db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
        return {n: sorted(db.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(n))).fetchall(),
                          key=repr) for n in names}


@pytest.fixture(scope="module", params=ENGINES)
def source(request, tmp_path_factory):
    """A data directory (and database) holding a demo cohort and one private upload."""
    engine = request.param
    data_dir = tmp_path_factory.mktemp(f"source-{engine}")
    url = None
    if engine == "postgresql":
        url = _pg_url(_scratch_pg("_bk_src"))
    r = lupuscare(data_dir, url, "demo", "--patients", "2", "--json")
    assert r.returncode == 0, r.stderr
    upload = data_dir / UPLOAD
    upload.parent.mkdir(parents=True)
    upload.write_bytes(bytes(range(256)) * 40)
    yield engine, data_dir, url
    if engine == "postgresql":
        _pg_admin(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}"')


@pytest.fixture
def empty_target(source, tmp_path):
    engine = source[0]
    url = _pg_url(_scratch_pg("_bk_dst")) if engine == "postgresql" else None
    yield tmp_path / "restored", url
    if url:
        _pg_admin(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}"')


def test_restore_into_an_empty_data_dir_gives_back_every_table_and_upload(source, empty_target, tmp_path):
    engine, data_dir, url = source
    archive = tmp_path / "backup.tar.gz"
    r = lupuscare(data_dir, url, "backup", "--out", str(archive), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["engine"] == engine and summary["files"] == 1 and summary["rows"] > 1000
    assert archive.stat().st_mode & 0o077 == 0  # patient data: owner only

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        entry = next(m for m in manifest["members"] if m["name"] == f"files/{UPLOAD}")
        assert entry["sha256"] == hashlib.sha256((data_dir / UPLOAD).read_bytes()).hexdigest()

    target_dir, target_url = empty_target
    r = lupuscare(target_dir, target_url, "restore", str(archive), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"] == summary["rows"]

    before = all_tables(engine, data_dir, url)
    after = all_tables(engine, target_dir, target_url)
    assert set(after) == set(before) and len(before) > 50
    for table, rows in before.items():
        assert after[table] == rows, table
    assert (target_dir / UPLOAD).read_bytes() == (data_dir / UPLOAD).read_bytes()


@pytest.fixture
def sqlite_backup(source, tmp_path):
    engine, data_dir, url = source
    if engine != "sqlite":
        pytest.skip("engine-independent checks run once, on SQLite")
    archive = tmp_path / "backup.tar.gz"
    assert lupuscare(data_dir, None, "backup", "--out", str(archive)).returncode == 0
    return data_dir, archive


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file()}


def test_restore_refuses_a_data_dir_with_data_unless_forced(sqlite_backup, tmp_path):
    data_dir, archive = sqlite_backup
    target = tmp_path / "restored"
    assert lupuscare(target, None, "restore", str(archive)).returncode == 0
    with closing(sqlite3.connect(target / "lupuscare.sqlite3")) as db, db:
        db.execute("DELETE FROM django_session")
        db.execute("UPDATE accounts_user SET first_name = 'changed'")
    (target / UPLOAD).write_bytes(b"changed")
    changed = _snapshot(target)

    r = lupuscare(target, None, "restore", str(archive))
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: refusing to restore over existing data") and "--force" in r.stderr
    assert _snapshot(target) == changed  # nothing written

    r = lupuscare(target, None, "restore", str(archive), "--force")
    assert r.returncode == 0, r.stderr
    assert all_tables("sqlite", target, None) == all_tables("sqlite", data_dir, None)
    assert (target / UPLOAD).read_bytes() == (data_dir / UPLOAD).read_bytes()


def _rewrite(archive: Path, out: Path, change) -> None:
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()
            data = change(info.name, data)
            if data is None:
                continue
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(("change", "message"), [
    (lambda name, data: data[:-1] + b"\x00" if name.startswith("files/") else data, "checksum"),
    (lambda name, data: None if name == "database.sqlite3" else data, "missing"),
    (lambda name, data: b"{}" if name == "manifest.json" else data, "manifest"),
])
def test_a_damaged_backup_restores_nothing(sqlite_backup, tmp_path, change, message):
    _, archive = sqlite_backup
    damaged = tmp_path / "damaged.tar.gz"
    _rewrite(archive, damaged, change)
    target = tmp_path / "restored"
    r = lupuscare(target, None, "restore", str(damaged))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert not (target / "lupuscare.sqlite3").exists() and not (target / "private").exists()
    assert sorted(p.name for p in target.iterdir()) == ["queue", "static"]  # what settings create


def test_not_a_backup_and_existing_out(sqlite_backup, tmp_path):
    data_dir, archive = sqlite_backup
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\xff" * 100)
    r = lupuscare(tmp_path / "t", None, "restore", str(junk))
    assert r.returncode == 2 and "cannot read the backup archive" in r.stderr
    r = lupuscare(data_dir, None, "backup", "--out", str(archive))
    assert r.returncode == 2 and "already exists" in r.stderr and r.stderr.count("\n") == 1
