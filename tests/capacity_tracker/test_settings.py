"""Settings fail loudly on bad values: each case starts a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-settings-tests-only-8f2a91c47e0b5d36a1f9c2e84b7d0a63",
    "ALLOWED_HOSTS": "collect.example.gov.uk",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/whatever",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp://mail.example:587",
}
SETTING_NAMES = [*GOOD_PRODUCTION, "CELERY_BROKER_URL", "CONN_MAX_AGE", "SECURE_SSL_REDIRECT"]


def load_settings(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update(GOOD_PRODUCTION)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["DJANGO_SETTINGS_MODULE"] = "capacity_tracker.settings"
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.TIME_ZONE, s.USE_TZ, s.DATABASES['default']['CONN_MAX_AGE'], "
        "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_good_production_settings_load_with_london_time_and_kept_connections():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "Europe/London",
        "True",
        "60",
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/0",
    ]


def test_debug_is_off_when_not_set():
    result = load_settings(DEBUG=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set"),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "DATABASE_URL must be PostgreSQL"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL must point at PostgreSQL"),
        ({"REDIS_URL": None}, "CELERY_BROKER_URL or REDIS_URL must be set"),
        (
            {"CELERY_BROKER_URL": "amqp://guest@localhost//"},
            "CELERY_BROKER_URL must be a redis:// URL",
        ),
        ({"CONN_MAX_AGE": "forever"}, "CONN_MAX_AGE must be a whole number"),
        ({"CONN_MAX_AGE": "-1"}, "CONN_MAX_AGE must be at least 0"),
        ({"SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT must be one of"),
        ({"EMAIL_URL": None}, "EMAIL_URL must be set"),
    ],
)
def test_bad_or_missing_values_stop_the_process_with_a_clear_message(overrides, message):
    result = load_settings(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_demo_defaults_need_no_server_when_debug_is_on():
    result = load_settings(
        DEBUG="true", DATABASE_URL=None, REDIS_URL=None, SECRET_KEY=None, EMAIL_URL=None
    )
    assert result.returncode == 0, result.stderr
    fields = result.stdout.split()
    assert fields[4] == "django.db.backends.sqlite3"
    assert fields[5] == "filesystem://"


def test_deploy_check_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update(GOOD_PRODUCTION)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
