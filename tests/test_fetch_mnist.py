"""Specification of data_scripts.fetch_mnist, against a local HTTP server (no real network).

Tiny but valid IDX files stand in for MNIST; their SHA-256 sums are injected
through the ``checksums`` parameter.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import socket
import struct
import threading

import numpy as np
import pytest

from data_scripts import fetch_mnist as fm

# 5 training and 3 test "images" of 4x3 pixels
TRAIN_X = np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3)
TRAIN_Y = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
TEST_X = (255 - np.arange(3 * 4 * 3, dtype=np.uint8)).reshape(3, 4, 3)
TEST_Y = np.array([9, 2, 6], dtype=np.uint8)


def _idx_bytes(array: np.ndarray) -> bytes:
    """IDX encoding written from the format description: 0, 0, type 0x08, ndim, sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def served(tmp_path):
    """A directory of tiny MNIST files served on 127.0.0.1; counts the requests per path."""
    root = tmp_path / "server"
    root.mkdir()
    checksums = {}
    for name, array in zip(fm.FILES.values(), (TRAIN_X, TRAIN_Y, TEST_X, TEST_Y)):
        blob = gzip.compress(_idx_bytes(array), mtime=0)
        (root / name).write_bytes(blob)
        checksums[name] = hashlib.sha256(blob).hexdigest()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}/", "root": root,
               "checksums": checksums, "requests": requests}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _load(served, cache, **kwargs):
    return fm.load_mnist(cache, served["url"], checksums=served["checksums"], progress=False,
                         timeout=10, **kwargs)


def test_published_checksums_are_sha256_hex_for_the_four_files():
    assert set(fm.SHA256) == set(fm.FILES.values())
    for digest in fm.SHA256.values():
        assert len(digest) == 64 and int(digest, 16) >= 0


def test_fetch_downloads_parses_and_returns_the_arrays(served, tmp_path):
    data = _load(served, tmp_path / "cache")
    np.testing.assert_array_equal(data["X_train"], TRAIN_X)
    np.testing.assert_array_equal(data["y_train"], TRAIN_Y)
    np.testing.assert_array_equal(data["X_test"], TEST_X)
    np.testing.assert_array_equal(data["y_test"], TEST_Y)
    assert data["X_train"].dtype == np.uint8
    assert sorted(served["requests"]) == sorted(f"/{name}" for name in fm.FILES.values())
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(fm.FILES.values())


def test_second_fetch_uses_the_cache_without_any_request(served, tmp_path):
    _load(served, tmp_path / "cache")
    served["requests"].clear()
    data = _load(served, tmp_path / "cache")
    assert served["requests"] == []
    np.testing.assert_array_equal(data["y_test"], TEST_Y)


def test_fetch_downloads_only_the_files_missing_from_the_cache(served, tmp_path):
    cache = tmp_path / "cache"
    _load(served, cache)
    (cache / "t10k-labels-idx1-ubyte.gz").unlink()
    served["requests"].clear()
    _load(served, cache)
    assert served["requests"] == ["/t10k-labels-idx1-ubyte.gz"]


def test_corrupt_cached_file_is_downloaded_again(served, tmp_path):
    cache = tmp_path / "cache"
    _load(served, cache)
    (cache / "train-images-idx3-ubyte.gz").write_bytes(b"truncated garbage")
    served["requests"].clear()
    data = _load(served, cache)
    assert served["requests"] == ["/train-images-idx3-ubyte.gz"]
    np.testing.assert_array_equal(data["X_train"], TRAIN_X)


def test_checksum_mismatch_raises_and_keeps_nothing(served, tmp_path):
    cache = tmp_path / "cache"
    wrong = dict(served["checksums"], **{"train-labels-idx1-ubyte.gz": "0" * 64})
    with pytest.raises(fm.ChecksumError, match="SHA-256"):
        fm.fetch_mnist(cache, served["url"], checksums=wrong, progress=False, timeout=10)
    assert not (cache / "train-labels-idx1-ubyte.gz").exists()
    assert not list(cache.glob("*.part"))


def test_unreachable_server_gives_the_friendly_offline_error(closed_port_url, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError) as info:
        fm.fetch_mnist(cache, closed_port_url, progress=False, timeout=5)
    message = str(info.value)
    assert "no network" in message
    assert "course_lib.data.load_digits" in message
    assert str(cache) in message and "train-images-idx3-ubyte.gz" in message
    assert not list(cache.glob("*.part"))


def test_missing_file_on_the_server_names_the_http_status(served, tmp_path):
    (served["root"] / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(fm.DownloadError, match="HTTP 404"):
        _load(served, tmp_path / "cache")


def test_files_placed_in_the_cache_by_hand_are_used_offline(served, tmp_path, closed_port_url):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in fm.FILES.values():
        (cache / name).write_bytes((served["root"] / name).read_bytes())
    data = fm.load_mnist(cache, closed_port_url, checksums=served["checksums"], progress=False)
    np.testing.assert_array_equal(data["X_test"], TEST_X)


def test_base_url_comes_from_the_environment_variable(served, tmp_path, monkeypatch):
    monkeypatch.setenv(fm.URL_ENV, served["url"].rstrip("/"))
    data = fm.load_mnist(tmp_path / "cache", checksums=served["checksums"], progress=False,
                         timeout=10)
    np.testing.assert_array_equal(data["y_train"], TRAIN_Y)
    assert len(served["requests"]) == 4


def test_default_base_url_is_the_mirror_constant(monkeypatch):
    monkeypatch.delenv(fm.URL_ENV, raising=False)
    assert fm.resolve_url() == fm.DEFAULT_URL
    assert fm.resolve_url("http://example.invalid/x") == "http://example.invalid/x/"


def test_progress_is_printed_on_stdout(served, tmp_path, capsys):
    fm.fetch_mnist(tmp_path / "cache", served["url"], checksums=served["checksums"], timeout=10)
    fm.fetch_mnist(tmp_path / "cache", served["url"], checksums=served["checksums"], timeout=10)
    out, err = capsys.readouterr()
    assert "downloading" in out and "cached, checksum OK" in out
    assert err == ""


def test_read_idx_reads_other_types_and_rejects_bad_files(tmp_path):
    values = np.array([[1, -2], [300, 4]], dtype=">i4")
    raw = bytes([0, 0, 0x0C, 2]) + struct.pack(">2I", 2, 2) + values.tobytes()
    (tmp_path / "ok.idx").write_bytes(raw)
    np.testing.assert_array_equal(fm.read_idx(tmp_path / "ok.idx"), values)
    (tmp_path / "short.idx").write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="bytes of data"):
        fm.read_idx(tmp_path / "short.idx")
    (tmp_path / "bad.idx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        fm.read_idx(tmp_path / "bad.idx")


def test_command_line_fetches_into_the_given_cache(served, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(fm, "SHA256", served["checksums"])
    assert fm.main(["--cache", str(tmp_path / "cache"), "--url", served["url"], "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "X_train: shape (5, 4, 3), dtype uint8" in out


def test_command_line_reports_no_network_and_exits_with_1(closed_port_url, tmp_path, capsys):
    assert fm.main(["--cache", str(tmp_path / "cache"), "--url", closed_port_url, "--quiet"]) == 1
    assert "no network" in capsys.readouterr().err
