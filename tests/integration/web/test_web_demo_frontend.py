"""How ``yiwang demo`` gets the front-end packages: present, installed with ``npm ci``, or skipped readably."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from yiwang import demo
from yiwang.config import Settings
from yiwang.web.assets import VENDOR_FILES


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with a package-lock.json but no node_modules; the demo treats it as the project root."""
    root = tmp_path / "checkout"
    root.mkdir()
    (root / "package-lock.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(demo, "PROJECT_ROOT", root)
    return root


def _fake_npm(bin_dir: Path, *, exit_code: int = 0) -> Path:
    """An ``npm`` stand-in that records its arguments and lays out the allow-listed files like ``npm ci`` would."""
    bin_dir.mkdir()
    files = " ".join(f'"node_modules/{relative}"' for relative in VENDOR_FILES.values())
    script = bin_dir / "npm"
    script.write_text(
        "#!/bin/sh\n"
        'echo "$PWD $*" > npm-called.txt\n'
        f'for f in {files}; do mkdir -p "$(dirname "$f")"; echo \'/* installed */\' > "$f"; done\n'
        f"exit {exit_code}\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def test_present_packages_need_nothing(tmp_path: Path):
    lines: list[str] = []
    ready = demo.ensure_frontend(Settings(), echo=lines.append)
    assert ready == (Settings().frontend_dir / "echarts/dist/echarts.min.js").is_file()
    assert lines


def test_missing_packages_are_installed_with_npm_ci(checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", f"{_fake_npm(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}")
    lines: list[str] = []
    ready = demo.ensure_frontend(Settings(frontend_dir=checkout / "node_modules"), echo=lines.append)
    assert ready
    assert (checkout / "npm-called.txt").read_text(encoding="utf-8").split() == [
        str(checkout),
        "ci",
        "--no-audit",
        "--no-fund",
    ]
    assert any("npm ci" in line for line in lines)


def test_failing_npm_is_reported_and_the_demo_carries_on(checkout: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_npm(tmp_path / 'bin', exit_code=1)}{os.pathsep}{os.environ['PATH']}")
    lines: list[str] = []
    assert not demo.ensure_frontend(Settings(frontend_dir=checkout / "node_modules"), echo=lines.append)
    assert any("npm ci 失败" in line for line in lines)


def test_without_npm_the_pages_run_without_charts(checkout: Path, tmp_path: Path, monkeypatch):
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    lines: list[str] = []
    assert not demo.ensure_frontend(Settings(frontend_dir=checkout / "node_modules"), echo=lines.append)
    assert any("未找到 npm" in line for line in lines)
    assert not (checkout / "node_modules").exists()


def test_a_custom_frontend_dir_is_never_installed_into(checkout: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_npm(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}")
    lines: list[str] = []
    assert not demo.ensure_frontend(Settings(frontend_dir=tmp_path / "elsewhere"), echo=lines.append)
    assert not (checkout / "npm-called.txt").exists()
    assert any("表格照常可用" in line for line in lines)
