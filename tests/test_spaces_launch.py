"""launch.py as a Space starts it: from a read-only copy of the code, with only the server's address and the
demo staff secret set, and no project installed beside it.

The copy holds the committed files only (``git ls-files``), so the index is built at start-up into the data
folder, which falls back to a temporary folder (there is no /data and the copy cannot be written). A
question on /api/chat gets a grounded answer, /api/health says the storage will not survive a restart, the
shopper page links to the sign-in (and axe-core finds nothing serious in it), and a browser signs in at
/signin as demo-agent and reaches /agent. As root, chmod does not stop writes, so the copy is bind-mounted
read-only; where that is not allowed either, the test is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import scratch_database_env
from test_server import sse_events

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "demo-staff-secret-1"
START_TIMEOUT_S = 300  # indexing the demo store and loading the models: 20-60 s alone, more on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_read_only(folder: Path) -> bool:
    """Make ``folder`` unwritable for this process; False where that cannot be done (root without mounts)."""
    subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
    if os.geteuid() != 0:
        return True
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True)
    if done.returncode != 0:
        return False
    probe = folder / "probe"
    try:
        probe.touch()
    except OSError:
        return True
    probe.unlink()
    subprocess.run(["umount", str(folder)], check=False)
    return False


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    base = tmp_path_factory.mktemp("space")
    repo, home, tmp = base / "app", base / "home", base / "tmp"
    home.mkdir()
    tmp.mkdir()
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():  # (a file deleted in the working tree but not yet in git)
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    if not make_read_only(repo):
        subprocess.run(["chmod", "-R", "u+w", str(repo)], check=False)
        pytest.skip("cannot make a folder read-only here (root without the right to bind-mount)")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
        "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
        "CHATBOT_DEMO_STAFF_PASSWORD": PASSWORD,
        # offline test machines: the app never needs the Hub (the models ship inside PyPI packages), but a
        # library that tries to reach it would wait for a network that is not there
        "HF_HUB_OFFLINE": "1",
        # no analytics calls to gradio.app from a test (launch.py sets this too, after gradio may be imported)
        "GRADIO_ANALYTICS_ENABLED": "False",
        # the temporary folder, where the data folder falls back to, inside this test's own folder: every run
        # starts from nothing (no index left by an earlier run) and leaves nothing in the machine's /tmp
        "TMPDIR": str(tmp),
        **scratch_database_env(tmp),  # CHATBOT_TEST_DATABASE=postgresql: the stores on PostgreSQL
    }
    log = (base / "launch.log").open("w")
    started = time.monotonic()
    # the project is not installed in a Space: run the copy's launch.py with the interpreter's own site-packages
    # only (-I: the working folder and the editable install of the developer's checkout are not on the path)
    proc = subprocess.Popen([sys.executable, "-I", str(repo / "launch.py")], cwd=repo, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        health = None
        while time.monotonic() - started < START_TIMEOUT_S:
            assert proc.poll() is None, "launch.py exited:\n" + (base / "launch.log").read_text()[-4000:]
            try:
                response = httpx.get(f"{url}/api/health", timeout=5)
                if response.status_code == 200:
                    health = response.json()
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        assert health, "launch.py did not answer /api/health in time:\n" + (base / "launch.log").read_text()[-4000:]
        yield {"url": url, "health": health, "started": started, "repo": repo, "tmp": tmp, "base": base}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
        if os.geteuid() == 0:
            subprocess.run(["umount", str(repo)], check=False)
        subprocess.run(["chmod", "-R", "u+w", str(repo)], check=False)


def test_a_read_only_space_answers_a_question_and_says_its_storage_is_temporary(space):
    health = space["health"]
    assert health["status"] == "ok" and health["documents"] > 0
    assert health["storage"]["persistent"] is False
    assert Path(health["storage"]["data_dir"]).parent == space["tmp"]
    with httpx.Client(timeout=180) as client, client.stream(
            "POST", f"{space['url']}/api/chat", json={"message": "How long do I have to return an item?"}) as response:
        assert response.status_code == 200
        events = sse_events(response)
    answered = time.monotonic() - space["started"]
    answer = dict(events)["answer"]
    assert not answer["abstained"] and answer["citations"] and re.search(r"\b30\b", answer["answer"]), answer
    assert not (space["repo"] / "data").exists() and not (space["repo"] / "index").exists()
    log = (space["base"] / "launch.log").read_text()
    assert "LOST at every restart" in log and "demo staff accounts ready" in log and PASSWORD not in log
    print(f"launch.py start to first answer: {answered:.1f} s")


def test_a_browser_signs_in_to_the_agent_window_with_the_demo_account(space):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(space["url"])
            link = page.locator("#staff-demo a")
            link.wait_for(timeout=60_000)
            assert link.get_attribute("href") == "/signin"
            page.wait_for_selector("#shopper-input textarea", timeout=60_000)  # drawn, page-load events run
            page.wait_for_function("() => !document.querySelector('#shopper-chat .pending, #shopper-chat "
                                   ".generating')", timeout=30_000)
            page.wait_for_timeout(500)
            problems = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
                        for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
            assert problems == [], problems
            page.goto(space["url"] + "/agent/")
            page.wait_for_url(re.compile(r"/signin\?next="))
            page.get_by_label("Name").fill("demo-agent")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_label("Password").press("Enter")
            page.wait_for_selector("#ticket-queue", timeout=60_000)  # the agent window, signed in
            assert "/agent" in page.url and "agent assist" in page.locator("#staff-header").inner_text()
        finally:
            browser.close()
