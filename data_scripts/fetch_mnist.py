"""Fetch the full MNIST data set (70 000 handwritten digits, 28x28), check it, cache it.

The course itself runs offline on scikit-learn's 8x8 digits
(``course_lib.data.load_digits``); this script is for those who want the real
thing. It downloads the four original gzip'd IDX files, checks each against
its published SHA-256, keeps them in a cache directory and parses them into
NumPy arrays.

* Files already in the cache with the right SHA-256 are used as they are: a
  second run makes no request, and an interrupted run resumes with the files
  that are still missing.
* A cached file with the wrong SHA-256 (truncated, corrupted) is downloaded again.
* A download is written to ``<name>.part`` and renamed only once its checksum
  is right, so the cache never holds a half-written file under the real name.

Command line (from the repository root)::

    python -m data_scripts.fetch_mnist [--cache DIR] [--url URL] [--quiet]

The base URL is, in order: ``--url`` / ``base_url=``, the environment variable
``COURSE_MNIST_URL``, :data:`DEFAULT_URL`. Any mirror that serves the four
original files under their usual names works (e.g.
``https://ossci-datasets.s3.amazonaws.com/mnist/``, the one torchvision uses).

Without network, copy the four ``.gz`` files into the cache directory by hand
(default ``~/.cache/course_lib/mnist``); they are checked and used without
any download.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

#: Mirror of the original files (Google's CVDF copy, used by TensorFlow).
DEFAULT_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
#: Environment variable that overrides :data:`DEFAULT_URL`.
URL_ENV = "COURSE_MNIST_URL"
#: Where the files are kept unless told otherwise.
DEFAULT_CACHE = Path("~/.cache/course_lib/mnist")

#: Which file holds which array.
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: SHA-256 (hex) of the original gzip files, as published in TensorFlow
#: Datasets' and torchvision's download checksums (sizes 9 912 422, 28 881,
#: 1 648 877 and 4 542 bytes). Older sources list MD5 sums instead
#: (f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...).
SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

# IDX type codes (third byte of the magic number) -> big-endian NumPy dtype
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """A file could not be fetched: no network, an HTTP error, or a bad checksum."""


class ChecksumError(DownloadError):
    """A downloaded file's SHA-256 differs from the expected one."""


def sha256_of(path) -> str:
    """The SHA-256 of a file's bytes, as lowercase hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_url(base_url: str | None = None) -> str:
    """The base URL to use: the argument, else ``$COURSE_MNIST_URL``, else the default."""
    url = base_url or os.environ.get(URL_ENV) or DEFAULT_URL
    return url if url.endswith("/") else url + "/"


def resolve_cache(cache_dir=None) -> Path:
    return Path(cache_dir if cache_dir is not None else DEFAULT_CACHE).expanduser()


def _offline_message(url: str, reason, cache_dir: Path, base_url: str) -> str:
    names = ", ".join(FILES.values())
    return (
        f"Could not reach {url} ({reason}). There seems to be no network connection "
        f"(or the server is down).\n"
        f"  * The course works offline with scikit-learn's 8x8 digits: "
        f"course_lib.data.load_digits().\n"
        f"  * Or place the MNIST files by hand: on a machine with network access download "
        f"{names} from {base_url} (or another MNIST mirror), and copy them into "
        f"{cache_dir}. They are checked against their SHA-256 and used without any download.\n"
        f"  * Another mirror can be chosen with --url URL or the environment variable {URL_ENV}."
    )


def _download(url: str, dest: Path, expected_sha256: str, *, progress: bool, timeout: float,
              cache_dir: Path, base_url: str) -> None:
    """Download ``url`` to ``dest`` via ``dest.part``; raise unless its SHA-256 matches."""
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, -1
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
                digest.update(block)
                done += len(block)
                if progress and total:
                    percent = 100 * done // total
                    if percent // 10 != shown:
                        shown = percent // 10
                        print(f"\r  {dest.name}: {percent:3d}% of {total / 1e6:.1f} MB",
                              end="", flush=True)
        if progress:
            print(f"\r  {dest.name}: done, {done / 1e6:.1f} MB" + " " * 10, flush=True)
    except urllib.error.HTTPError as error:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url}: the server answered HTTP {error.code} ({error.reason}). "
                            f"Try another mirror with --url or {URL_ENV}.") from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        part.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise DownloadError(_offline_message(url, reason, cache_dir, base_url)) from error
    got = digest.hexdigest()
    if got != expected_sha256:
        part.unlink(missing_ok=True)
        raise ChecksumError(f"{url}: SHA-256 {got} does not match the expected "
                            f"{expected_sha256}; the file was discarded. The mirror may serve "
                            f"a different file: try another one with --url or {URL_ENV}.")
    os.replace(part, dest)


def fetch_mnist(cache_dir=None, base_url=None, checksums=None, progress=True, timeout=60.0):
    """Make sure the four MNIST files are in the cache, downloading what is missing or bad.

    Parameters
    ----------
    cache_dir : str or Path, optional
        Where the ``.gz`` files are kept (default ``~/.cache/course_lib/mnist``;
        created if needed).
    base_url : str, optional
        URL of the directory that holds the four files (default
        ``$COURSE_MNIST_URL``, else :data:`DEFAULT_URL`).
    checksums : dict, optional
        File name -> expected SHA-256 (hex); default :data:`SHA256`.
    progress : bool, default True
        Print what happens (on stdout).
    timeout : float, default 60
        Seconds to wait for the server before giving up.

    Returns
    -------
    paths : dict
        ``{"train_images": Path, "train_labels": Path, "test_images": Path,
        "test_labels": Path}``.

    Raises
    ------
    DownloadError
        (a RuntimeError) without network, on an HTTP error, or -- as its
        subclass ChecksumError -- when a download has the wrong SHA-256.
    """
    cache = resolve_cache(cache_dir)
    base = resolve_url(base_url)
    checksums = SHA256 if checksums is None else checksums
    cache.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, name in FILES.items():
        path = cache / name
        expected = checksums[name]
        if path.exists():
            if sha256_of(path) == expected:
                if progress:
                    print(f"  {name}: cached, checksum OK")
                paths[key] = path
                continue
            if progress:
                print(f"  {name}: cached copy has the wrong SHA-256, downloading it again")
            path.unlink()
        elif progress:
            print(f"  {name}: downloading from {base}")
        _download(base + name, path, expected, progress=progress, timeout=timeout,
                  cache_dir=cache, base_url=base)
        paths[key] = path
    return paths


def read_idx(path) -> np.ndarray:
    """Parse an IDX file (gzip'd if its name ends in ``.gz``) into an ndarray.

    The format: two zero bytes, a type code, the number of dimensions ``d``,
    then ``d`` big-endian uint32 sizes, then the values, big-endian, in C order.

    Returns
    -------
    array : ndarray of the stored shape, native byte order (uint8 for MNIST)
    """
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as stream:
        data = stream.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic number {data[:4].hex()})")
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: IDX header truncated")
    shape = tuple(int(n) for n in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape, dtype=np.int64))
    if len(data) - header != count * dtype.itemsize:
        raise ValueError(f"{path}: expected {count * dtype.itemsize} bytes of data for shape "
                         f"{shape}, found {len(data) - header}")
    values = np.frombuffer(data, dtype=dtype, count=count, offset=header)
    return values.reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(cache_dir=None, base_url=None, checksums=None, progress=True, timeout=60.0):
    """Fetch (if needed) and parse MNIST.

    Parameters are those of :func:`fetch_mnist`.

    Returns
    -------
    data : dict of ndarrays
        ``X_train`` uint8 of shape (60000, 28, 28), ``y_train`` uint8 of shape
        (60000,), ``X_test`` uint8 of shape (10000, 28, 28), ``y_test`` uint8 of
        shape (10000,). Pixels are 0 (background) to 255 (ink).
    """
    paths = fetch_mnist(cache_dir, base_url, checksums, progress, timeout)
    data = {
        "X_train": read_idx(paths["train_images"]),
        "y_train": read_idx(paths["train_labels"]),
        "X_test": read_idx(paths["test_images"]),
        "y_test": read_idx(paths["test_labels"]),
    }
    for split in ("train", "test"):
        if len(data[f"X_{split}"]) != len(data[f"y_{split}"]):
            raise ValueError(f"{split}: {len(data[f'X_{split}'])} images but "
                             f"{len(data[f'y_{split}'])} labels")
    return data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_scripts.fetch_mnist",
                                     description="Download, check and cache MNIST.")
    parser.add_argument("--cache", default=None,
                        help=f"cache directory (default {DEFAULT_CACHE})")
    parser.add_argument("--url", default=None,
                        help=f"base URL of the four files (default ${URL_ENV} or {DEFAULT_URL})")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    try:
        data = load_mnist(args.cache, args.url, progress=not args.quiet)
    except DownloadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name, array in data.items():
        print(f"{name}: shape {array.shape}, dtype {array.dtype}")
    print(f"cached in {resolve_cache(args.cache)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
