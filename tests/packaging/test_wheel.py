"""The wheel is a real package: built from the sources, installed in a fresh venv, it serves the
page and its static files from site-packages, started from an unrelated directory."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "app", "bptt_explorer", "static", "templates")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a clean copy of the sources (the checkout gets no build/ folder)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=IGNORED)
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.glob("bptt_explorer-*.whl")
    return built


def _files_under(folder: Path) -> set[str]:
    """Relative paths of the files in a folder, caches left out."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_wheel_holds_every_package_and_every_page_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("app", "bptt_explorer"):
        for init in (ROOT / package).rglob("__init__.py"):
            member = init.relative_to(ROOT).as_posix()
            assert member in names, f"{member} is missing from the wheel (pyproject packages)"
    for folder in ("static", "templates"):
        missing = {f"app/{folder}/{f}" for f in _files_under(ROOT / folder)} - names
        assert not missing, f"not in the wheel: {sorted(missing)}"
    for member in ("bptt_explorer/widget.js", "bptt_explorer/widget.css", "bptt_explorer/py.typed"):
        assert member in names, f"{member} is missing from the wheel (package-data)"
    assert not any(n.startswith(("static/", "templates/", "tests/")) for n in names)


def test_the_wheel_installs_two_top_level_packages_app_and_bptt_explorer(wheel: Path) -> None:
    """The server's app (a top-level name of the fixed layout: README, packaging notes) and the
    import name bptt_explorer, nothing else beside its dist-info."""
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"app", "bptt_explorer"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel; its dependencies come from this venv's site-packages."""
    env = tmp_path_factory.mktemp("fresh") / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # after the wheel's own files: fastapi, numpy … from here (a path line, not a site dir,
    # so this venv's editable install of the checkout is not seen)
    (Path(site) / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--disable-pip-version-check",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


def _run(env: Path, code: str, cwd: Path) -> str:
    done = subprocess.run(
        [str(env / "bin" / "python"), "-c", code],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_the_installed_package_imports_from_site_packages(installed: Path, tmp_path: Path) -> None:
    where = _run(
        installed,
        "import app, bptt_explorer; print(app.__file__, bptt_explorer.__file__)",
        tmp_path,
    )
    assert all(str(installed) in path for path in where.split()), where
    static = _run(installed, "from app.config import STATIC_DIR as s; print(s)", tmp_path)
    assert static.startswith(str(installed)) and static.endswith("app/static"), static
    grads = _run(
        installed,
        "import bptt_explorer as bx, numpy as np\n"
        "c = bx.RNNConfig(n_in=1, n_hidden=2, n_out=1); p = bx.init_params(c, seed=1)\n"
        "s = bx.get_task('sine').sample(5)\n"
        "print(bx.gradcheck(c, p, s.inputs, s.targets).passed)",
        tmp_path,
    )
    assert grads == "True"


@pytest.fixture(scope="module")
def server(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The installed `bptt-explorer` command serving on a loopback port from an empty folder."""
    port = _free_port()
    cwd = tmp_path_factory.mktemp("elsewhere")
    proc = subprocess.Popen(
        [str(installed / "bin" / "bptt-explorer"), "--port", str(port), "--log-level", "warning"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"the installed app did not start:\n{out}")
            try:
                urllib.request.urlopen(f"{base}/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


def test_the_installed_app_serves_the_page_and_its_files(server: str) -> None:
    status, kind, body = _get(f"{server}/")
    assert (status, kind.split(";")[0]) == (200, "text/html")
    page = body.decode()
    assert "/static/js/main.js" in page and "/static/css/app.css" in page
    for path in ("/static/js/main.js", "/static/css/app.css", "/static/favicon.svg"):
        status, kind, body = _get(server + path)
        assert status == 200 and body == (ROOT / path.removeprefix("/")).read_bytes(), path
    status, kind, body = _get(f"{server}/static/vendor/plotly.min.js")
    assert status == 200 and len(body) > 1_000_000
