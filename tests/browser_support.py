"""Helpers for the end-to-end browser test: a JupyterLab server and Chromium.

JupyterLab runs headless on 127.0.0.1 with a random token, in an isolated
Jupyter environment (config, data, runtime, settings and workspace
directories in a temp dir), so nothing of the user's ``~/.jupyter`` or the
virtual environment changes. Python Playwright drives Debian's Chromium
(``/usr/bin/chromium``); ``playwright install`` is never needed.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}

# JupyterLab user settings for a quiet, deterministic page: no news toast, no
# update check, every notebook cell in the DOM (no virtual scrolling).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def missing_reason() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed (pip install playwright)"
    return None


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def root_flag() -> list[str]:
    """CI containers run as root, which jupyter refuses without ``--allow-root``."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_jupyter_env(home: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` with every per-user Jupyter directory moved under ``home``."""
    env = dict(env)
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    for plugin, values in LAB_SETTINGS.items():
        package, _, name = plugin.rpartition("/")
        target = dirs["JUPYTERLAB_SETTINGS_DIR"] / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env.pop("JUPYTER_TOKEN", None)
    return env


class LabServer:
    """``jupyter lab`` on 127.0.0.1, a free port and a random token, as a subprocess."""

    def __init__(self, root: Path, cwd: Path, env: dict[str, str], log: Path,
                 startup_timeout: float = 90.0):
        self.root, self.cwd, self.env, self.log = Path(root), Path(cwd), env, Path(log)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        jupyter = Path(sys.executable).parent / "jupyter"
        return [str(jupyter), "lab", "--no-browser",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}"] + root_flag()

    def start(self) -> "LabServer":
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(self.command(), cwd=self.cwd, env=self.env,
                                        stdout=self._log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        return self

    def wait_ready(self) -> "LabServer":
        deadline = time.monotonic() + self.startup_timeout
        status = f"{self.url}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n"
                                   + self.log_tail())
            try:
                with urllib.request.urlopen(status, timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not answer within {self.startup_timeout:.0f} s:\n"
                           + self.log_tail())

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            # The server and its kernels share the session started for it.
            try:
                os.killpg(self.process.pid, 15)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)
        self._log_file.close()

    def lab_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?token={self.token}"

    def __enter__(self):
        return self.start().wait_ready()

    def __exit__(self, *exc):
        self.stop()


# ------------------------------------------------------------------ the page

ACTIVE_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def page_config(page) -> dict:
    """JupyterLab's page config (what the server handed to the front end)."""
    return json.loads(page.locator("#jupyter-config-data").text_content())


def xsrf_headers(page) -> dict[str, str]:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return {"X-XSRFToken": cookies["_xsrf"]}


def save_file(page, server: LabServer, path: str, text: str) -> None:
    """Write a text file through the Contents API, as JupyterLab's editor saves it."""
    response = page.request.put(
        f"{server.url}/api/contents/{path}",
        headers={**xsrf_headers(page), "Content-Type": "application/json"},
        data=json.dumps({"type": "file", "format": "text", "content": text}),
    )
    assert response.ok, f"saving {path} failed: {response.status} {response.text()}"


def open_notebook(page, server: LabServer, path: str, timeout_ms: float = 90_000):
    """Open ``path`` in JupyterLab and wait until its kernel is up, connected and idle.

    The page's execution indicator reads "idle" before any kernel exists; cells
    run then are silently dropped. So wait for the server's session first.
    """
    page.goto(server.lab_url(path))
    panel = page.locator(ACTIVE_PANEL)
    panel.locator(".jp-Cell").first.wait_for(timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        sessions = page.request.get(f"{server.url}/api/sessions").json()
        kernel = next((s["kernel"] for s in sessions if s["path"] == path), None)
        if kernel and kernel["execution_state"] == "idle" and kernel["connections"] >= 1:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"no idle kernel for {path} after {timeout_ms / 1000:.0f} s: "
                               f"{sessions}")
        time.sleep(0.25)
    wait_kernel_idle(page, timeout_ms)
    return panel


def wait_kernel_idle(page, timeout_ms: float = 60_000) -> None:
    """The notebook's kernel is connected and idle and no cell waits to run."""
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            if (!panel) return false;
            const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
            const status = indicator && indicator.getAttribute('data-status');
            const busy = [...panel.querySelectorAll('.jp-InputPrompt')]
                .some(p => p.textContent.includes('*'));
            return status === 'idle' && !busy;
        }""",
        timeout=timeout_ms,
    )


def run_all_cells(page, timeout_ms: float = 180_000, menu_item: str = "Run All Cells") -> None:
    """Run ▸ ``menu_item`` from the menu bar, then wait until those cells have run.

    Done means: the first code cell shows a new execution count, no cell is
    queued (``[*]``) and the kernel is idle. A cell that raises stops the run,
    as it does for a student.
    """
    first_prompt = page.locator(ACTIVE_PANEL + " .jp-CodeCell .jp-InputPrompt").first
    before = first_prompt.text_content()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=menu_item, exact=True).click()
    page.wait_for_function(
        """([selector, before]) => {
            const prompt = document.querySelector(selector);
            const text = prompt ? prompt.textContent : '';
            return text !== before && /\\d/.test(text);
        }""",
        arg=[ACTIVE_PANEL + " .jp-CodeCell .jp-InputPrompt", before],
        timeout=timeout_ms,
    )
    wait_kernel_idle(page, timeout_ms)


def copy_screenshots(source: Path, destination: Path) -> None:
    """Replace the screenshots of the last run in ``destination`` by those in ``source``."""
    destination.mkdir(parents=True, exist_ok=True)
    for old in destination.glob("*.png"):
        old.unlink()
    for png in sorted(Path(source).glob("*.png")):
        shutil.copy2(png, destination / png.name)
