"""Retake the README's screenshots of the signed-in pages from the demo data.

    .venv/bin/python scripts/screenshots.py        # a throwaway database, the demo, a server on a free port

Not part of the tests: pages change on purpose, and a picture is judged by a person. The public page and
the summary table are retaken by tests/browser/test_publish_in_chromium.py with UPDATE_SCREENSHOTS=1.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
PASSWORDS = {"xinzhou": "demo-xinzhou-2024", "czj_reviewer": "demo-review-czj-2024"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work}/db.sqlite3", "MEDIA_ROOT": str(work / "media"),
           "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    draft = subprocess.run(
        [python, "manage.py", "shell", "-c", "from assessments.models import Assessment; print(Assessment.objects.filter("
         "department__name='武汉市新洲区总工会', status='draft', kind='project_self_assessment').order_by('pk')[0].pk)"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.split()[-1]
    port = free_port()
    server = subprocess.Popen([python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            page.goto(f"{base}/login/")
            page.screenshot(path=SHOTS / "login.png")
            sign_in(page, base, "xinzhou")
            page.screenshot(path=SHOTS / "home.png", full_page=True)
            page.goto(f"{base}/assessments/new/")
            page.screenshot(path=SHOTS / "new-form.png")
            page.goto(f"{base}/assessments/{draft}/edit/basic/")
            page.screenshot(path=SHOTS / "basic-step.png", full_page=True)
            page.goto(f"{base}/assessments/{draft}/edit/indicators/")
            page.screenshot(path=SHOTS / "indicators.png", full_page=True)
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            sign_in(page, base, "czj_reviewer")
            page.goto(f"{base}/review/")
            page.screenshot(path=SHOTS / "desk.png", full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    with page.expect_navigation():
        page.click("button[type=submit]")


if __name__ == "__main__":
    main()
