"""Production settings: Django's deploy checks pass, and every page carries the content security policy."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_checks():
    # A clean deployment environment: nothing the browser tests set for themselves.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": "x" * 64 + "-production-test-key-with-enough-entropy",
           "DATABASE_URL": "postgres://u:p@127.0.0.1:1/app", "ALLOWED_HOSTS": "jixiao.example.gov.cn"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            capture_output=True, text=True, env=env, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_that_allows_only_the_app_itself(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "http" not in policy
