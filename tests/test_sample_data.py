"""The sample-data loader, tested for real against an HTTP server on 127.0.0.1."""

import contextlib
import functools
import http.server
import threading
from pathlib import Path

import pytest

from sccscore import sample_data
from sccscore.errors import DataError, ModelError
from sccscore.models import load_model


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve a folder on a free port of 127.0.0.1; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _files_below(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_fetch_downloads_and_verifies_every_file(ikemoto, tmp_path):
    with serve(ikemoto.parent) as url:
        root = sample_data.fetch(tmp_path / "cache", base_url=f"{url}/ikemoto2023/")
    status = sample_data.verify(root)
    assert status.complete and len(status.ok) == len(sample_data.manifest()) == 937
    assert _files_below(root) == sorted(sample_data.manifest())


def test_corrupted_download_is_rejected_and_leaves_nothing(ikemoto, tmp_path):
    served = tmp_path / "served" / "ikemoto2023"
    for relative in sample_data.manifest():
        (served / relative).parent.mkdir(parents=True, exist_ok=True)
        (served / relative).symlink_to(ikemoto / relative)
    bad = "models/squeezenet1_1/SqueezeNet_4.pth"
    (served / bad).unlink()
    (served / bad).write_bytes((ikemoto / bad).read_bytes()[:-10] + b"corrupted!")
    cache = tmp_path / "cache"
    with serve(served.parent) as url, pytest.raises(DataError, match=r"SqueezeNet_4\.pth: checksum mismatch"):
        sample_data.fetch(cache, base_url=f"{url}/ikemoto2023/")
    assert not (cache / bad).exists()
    assert not [p for p in cache.rglob("*") if p.name.endswith(".part")]
    status = sample_data.verify(cache)
    assert status.missing == [bad] and not status.mismatched  # everything else is in place


def test_cache_is_used_when_no_folder_is_set(ikemoto, tmp_path, monkeypatch):
    monkeypatch.delenv("SCCSCORE_DATA")
    monkeypatch.setenv("SCCSCORE_CACHE", str(tmp_path))
    with serve(ikemoto.parent) as url:
        monkeypatch.setenv("SCCSCORE_DATA_URL", f"{url}/ikemoto2023/")
        root = sample_data.data_root()  # downloads into the empty cache
    assert root == tmp_path / "ikemoto2023"
    monkeypatch.setenv("SCCSCORE_DATA_URL", "http://127.0.0.1:9/")  # nothing listens there
    assert sample_data.data_root() == root  # found in the cache, no download


def test_offline_with_nothing_found_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv("SCCSCORE_DATA")
    monkeypatch.setenv("SCCSCORE_CACHE", str(tmp_path))
    monkeypatch.setenv("SCCSCORE_DATA_URL", "http://127.0.0.1:9/")
    with pytest.raises(DataError, match=r"download failed .*set SCCSCORE_DATA to a folder"):
        sample_data.data_root()
    with pytest.raises(DataError, match=r"sample data not found in .*run 'sccscore data fetch'"):
        sample_data.data_root(download=False)
    # a lab classifying its own crops asked for the released models, not for sample data: named as asked for
    with pytest.raises(ModelError, match=r"^paper:squeezenet1_1/3, the models Ikemoto et al. released, come with "
                                         r"their sample data, which cannot be had here: http://127.0.0.1:9/\S+: "
                                         r"download failed .*set SCCSCORE_DATA to a folder"):
        load_model("paper:squeezenet1_1/3")


def test_a_wrong_data_folder_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SCCSCORE_DATA", str(tmp_path))
    with pytest.raises(DataError, match=rf"{tmp_path}: SCCSCORE_DATA names no Ikemoto data folder"):
        sample_data.data_root()


def test_data_info_and_fetch_commands(ikemoto, tmp_path, cli):
    info = cli("data", "info")
    assert info.returncode == 0, info.stderr
    assert f"data folder: {ikemoto} (from SCCSCORE_DATA)" in info.stdout
    assert "937 of 937 files verified" in info.stdout
    with serve(ikemoto.parent) as url:
        fetched = cli("data", "fetch", "--dest", str(tmp_path / "d"), "-q",
                          env={"SCCSCORE_DATA_URL": f"{url}/ikemoto2023/"})
    assert fetched.returncode == 0, fetched.stderr
    assert f"sample data complete in {tmp_path / 'd'}" in fetched.stdout
