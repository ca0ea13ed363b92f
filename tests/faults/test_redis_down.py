"""Redis unreachable while providers save returns and upload CSV files: every save succeeds,
nothing answers 5xx, the upload pages say the work is delayed, and once Redis is back the
redispatch tick has the worker check and save the waiting files, each exactly once.

gunicorn and a Celery worker run with production settings on this test's database and a
private Redis, which the test kills (as a crash would: nothing saved) and starts again on the
same port. A provider user signs in through the pages before the outage; during it they send a
full, a nil and an "unchanged" return, confirm a checked file of 1,004 rows (more than the
request checks itself, so the worker must save it), upload another, and someone registers.
"""

from __future__ import annotations

import csv
import datetime
import http.cookiejar
import io
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from bench.load.seed import open_window_now
from capacity_tracker.lib import clock
from providers.models import Location, User
from returns.bulk import save as bulk
from returns.models import BulkUpload, CollectionWindow, ReturnVersion
from tests.factories import (
    TEST_PASSWORD,
    LocalAuthorityFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
)
from tests.faults.processes import (
    Process,
    RedisServer,
    app_env,
    celery_worker,
    gunicorn,
    manage,
    wait_for,
)
from tests.portal_data import GOOD_CARE_HOME
from tests.providers.test_registration import form as registration_form

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOMES = bulk.INLINE_MAX_ROWS + 4  # one file's rows: more than a request checks itself
DELAYED = "This is taking longer than usual"


def database_url() -> str:
    return f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"


class Browser:
    """A person's browser: cookies, CSRF tokens from the forms, every answer's status kept.

    The service's cookies are Secure and gunicorn here is plain HTTP on the loopback, so the
    cookie jar is switched off and the cookies are kept from the Set-Cookie headers, as
    bench/load/rush.py does."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self.cookies: dict[str, str] = {}
        self.statuses: list[tuple[str, str, int]] = []

    def _headers(self, referer: str | None = None) -> dict[str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if referer:
            headers["Referer"] = self.base + referer
        return headers

    def _record(self, method: str, path: str, response: requests.Response) -> requests.Response:
        for header in response.raw.headers.getlist("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)  # Django deletes a cookie this way
                else:
                    self.cookies[name] = morsel.value
        self.statuses.append((method, path, response.status_code))
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        return response

    def get(self, path: str) -> requests.Response:
        response = self.session.get(
            self.base + path, headers=self._headers(), allow_redirects=False, timeout=30
        )
        return self._record("GET", path, response)

    def post(self, path: str, data: dict[str, str], files: dict | None = None) -> requests.Response:
        page = self.get(path).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no form on {path}"
        response = self.session.post(
            self.base + path,
            data={**data, "csrfmiddlewaretoken": token.group(1)},
            files=files,
            headers=self._headers(referer=path),
            allow_redirects=False,
            timeout=60,
        )
        return self._record("POST", path, response)

    def post_to(self, form_page: str, action: str, data: dict[str, str]) -> requests.Response:
        """Submit a form found on ``form_page`` whose action is another URL."""
        page = self.get(form_page).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no form on {form_page}"
        response = self.session.post(
            self.base + action,
            data={**data, "csrfmiddlewaretoken": token.group(1)},
            headers=self._headers(referer=form_page),
            allow_redirects=False,
            timeout=60,
        )
        return self._record("POST", action, response)


def make_world(now: datetime.datetime) -> tuple[User, list[Location], CollectionWindow]:
    window = open_window_now(now)
    provider = ProviderFactory()
    council = LocalAuthorityFactory()
    homes = Location.objects.bulk_create(
        LocationFactory.build(provider=provider, local_authority=council, name=f"Home {n:04d}")
        for n in range(HOMES)
    )
    user = ProviderUserFactory(provider=provider)
    # The suite hashes with MD5 for speed; gunicorn accepts only production's hashers.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(TEST_PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user, homes, window


def filled_template(browser: Browser) -> bytes:
    """The care home template, every row a full return with good figures."""
    text = browser.get(reverse("bulk:template", args=["care_home"])).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == HOMES
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "return_kind": "full",
                **{code: value for code, value in GOOD_CARE_HOME.items() if code in row},
                "nil_reason": "",
                "nil_reason_detail": "",
            }
        )
    return out.getvalue().encode("utf-8-sig")


def upload(browser: Browser, content: bytes, name: str) -> BulkUpload:
    response = browser.post(reverse("bulk:start"), {}, files={"file": (name, content, "text/csv")})
    assert response.status_code == 302, response.text[-2000:]
    return BulkUpload.objects.get(pk=int(response.headers["Location"].rstrip("/").split("/")[-1]))


def sent(browser: Browser, path: str, data: dict[str, str]) -> None:
    response = browser.post(path, data)
    assert response.status_code == 302, response.text[-2000:]


@pytest.fixture
def work() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ct-redisdown-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_with_redis_down_saves_succeed_and_queued_work_runs_once_it_is_back(work: Path) -> None:
    started = time.monotonic()
    redis = RedisServer(work)
    redis.start()
    env = app_env(
        database_url=database_url(),
        redis_url=redis.url,
        DJANGO_SETTINGS_MODULE="bench.load.settings",  # production's, static files of our own
        LOAD_STATIC_ROOT=str(work / "static"),
    )
    processes: list[Process] = []
    try:
        collect = Process(
            "collectstatic",
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            log=work / "collectstatic.log",
        ).start()
        processes.append(collect)
        worker = celery_worker(env, work / "worker.log")
        processes.append(worker)
        user, homes, window = make_world(clock.now())
        assert collect.popen is not None and collect.popen.wait(timeout=120) == 0
        server, port = gunicorn(env, work / "gunicorn.log", workers=2, threads=4)
        processes.append(server)

        # Before the outage: sign in, and have one file checked by the worker.
        browser = Browser(f"http://127.0.0.1:{port}")
        signed_in = browser.post(
            reverse("login"), {"username": user.email, "password": TEST_PASSWORD}
        )
        assert signed_in.status_code == 302, signed_in.text[-2000:]
        assert browser.get(reverse("returns:dashboard")).status_code == 200
        content = filled_template(browser)
        checked = upload(browser, content, "before.csv")
        wait_for(
            lambda: BulkUpload.objects.get(pk=checked.pk).status == "ready",
            timeout=60,
            what="the worker did not check the file",
        )

        redis.stop()
        outage = time.monotonic()

        # The dashboard, and a full, a nil and an "unchanged" return, each to its saved page.
        assert browser.get(reverse("returns:dashboard")).status_code == 200

        def obligation(name: str, home: Location) -> str:
            return reverse(name, args=[window.period_key, home.cqc_id, "care_home"])

        sent(browser, obligation("returns:form", homes[0]), {**GOOD_CARE_HOME, "based_on": "0"})
        sent(browser, obligation("returns:check", homes[0]), {})
        nil = {"based_on": "0", "nil_reason": "no_service_users"}
        sent(browser, obligation("returns:nil", homes[1]), nil)
        sent(browser, obligation("returns:unchanged", homes[0]), {"based_on": "1"})
        kinds = sorted(ReturnVersion.objects.values_list("kind", flat=True))
        assert kinds == ["full", "nil", "unchanged"]

        # Confirm the checked file, and upload another: both wait, and the pages say so.
        confirm = browser.post_to(
            reverse("bulk:upload", args=[checked.pk]),
            reverse("bulk:confirm", args=[checked.pk]),
            {},
        )
        assert confirm.status_code == 302
        waiting = upload(browser, content, "during.csv")
        for pk, status in ((checked.pk, "applying"), (waiting.pk, "checking")):
            stored = BulkUpload.objects.get(pk=pk)
            assert (stored.status, stored.queued_at) == (status, None)
            page = browser.get(reverse("bulk:upload", args=[pk])).text
            assert DELAYED in page and "You do not need to upload it again" in page
        assert ReturnVersion.objects.filter(source="csv").count() == 0

        # Someone asks for an account.
        stranger = Browser(browser.base)
        assert stranger.get(reverse("providers:register")).status_code == 200
        registered = stranger.post(reverse("providers:register"), registration_form(homes[2]))
        assert registered.status_code == 200 and "Request sent" in registered.text
        assert User.objects.filter(email="jo.bloggs@home.example").exists()
        outage_seconds = time.monotonic() - outage

        # Redis is back (empty: the queue lost nothing because nothing reached it). The tick
        # queues both steps; the worker, reconnected, checks one file and saves the other.
        redis.start()
        tick = manage(env, "run_scheduled", "--only", "redispatch_work", timeout=60)
        assert tick.returncode == 0, tick.stderr[-3000:]
        assert "2 of 2 waiting CSV uploads queued" in tick.stdout, tick.stdout

        def done() -> bool:
            statuses = dict(BulkUpload.objects.values_list("pk", "status"))
            return statuses[checked.pk] == "applied" and statuses[waiting.pk] == "ready"

        wait_for(done, timeout=90, what="the worker did not finish the waiting files")
        again = manage(env, "run_scheduled", "--only", "redispatch_work", timeout=60)
        assert "0 of 0 waiting CSV uploads queued" in again.stdout, again.stdout
        assert ReturnVersion.objects.filter(source="csv").count() == HOMES  # saved once
        assert BulkUpload.objects.get(pk=checked.pk).attempts == 1
        page = browser.get(reverse("bulk:upload", args=[checked.pk])).text
        assert f"{HOMES:,} returns saved" in page

        assert all(status < 500 for *_, status in browser.statuses + stranger.statuses)
        log = server.log_text()
        assert "Traceback" not in log and "Internal Server Error" not in log, log[-3000:]
        print(
            f"\nredis down: outage {outage_seconds:.1f} s, "
            f"{len(browser.statuses) + len(stranger.statuses)} requests, "
            f"{time.monotonic() - started:.0f} s in all"
        )
    except BaseException:
        for name in ("gunicorn.log", "worker.log"):
            print(f"--- {name}\n{(work / name).read_text(errors='replace')[-4000:]}")
        raise
    finally:
        for process in reversed(processes):
            process.stop()
        redis.stop()
