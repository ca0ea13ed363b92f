"""Locust users for the load run (bench/bench_load.py starts locust with one class at a time).

Every user sends its next request as soon as the last one answered (no wait time): constant
pressure from 50 users. Users are FastHttpUser (geventhttpclient): on a shared 2-core machine
locust's own CPU comes off the server's, and it spends a fraction of what requests would.

Signed-in users take a session made by the set-up (bench/load/seed.py) from LOAD_USERS_FILE,
one each, and send it in their own Cookie header with the CSRF cookie. The service's cookies
are Secure-only and this run is plain HTTP, so the client's cookie jar is switched off rather
than trusted to send them (or to add a second Cookie header when a response sets one again).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any

from locust import FastHttpUser, constant, task

_DATA: dict[str, Any] = json.loads(open(os.environ["LOAD_USERS_FILE"]).read())  # noqa: SIM115
_NEXT_USER = itertools.count()
_SAVERS_READY = itertools.count(1)
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_BASED_ON = re.compile(r'name="based_on" value="(\d+)"')


class _SignedIn(FastHttpUser):
    """A provider user with a verified session of its own."""

    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        users = _DATA["users"]
        index = next(_NEXT_USER)
        if index >= len(users):
            # Two locust users on one provider would make each other's saves stale.
            raise RuntimeError(f"only {len(users)} signed-in sessions for more locust users")
        self.me = users[index]
        # No domain allowed: the jar neither keeps nor sends any cookie.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.cookies = {"Cookie": f"sessionid={self.me['session']}; csrftoken={self.me['csrf']}"}

    def form_url(self, obligation: dict[str, str]) -> str:
        return f"/returns/{self.me['period']}/{obligation['cqc_id']}/{obligation['care_type']}/"


class StartPage(FastHttpUser):
    """The public landing page, signed out: the baseline."""

    wait_time = constant(0)

    @task
    def get_start_page(self) -> None:
        with self.client.get("/", name="start page", catch_response=True) as response:
            if response.status_code != 200 or "govuk-button--start" not in response.text:
                response.failure(f"start page: {response.status_code}")


class Dashboard(_SignedIn):
    """The provider dashboard of a four-location provider (six obligations)."""

    @task
    def get_dashboard(self) -> None:
        with self.client.get(
            "/returns/",
            name="dashboard",
            headers=self.cookies,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or self.me["obligations"][0]["cqc_id"] not in (
                response.text
            ):
                response.failure(f"dashboard: {response.status_code}")


class ReturnForm(_SignedIn):
    """The return form of the user's first care home, filled in with last month's figures."""

    @task
    def get_form(self) -> None:
        url = self.form_url(self.me["obligations"][0])
        with self.client.get(
            url,
            name="return form",
            headers=self.cookies,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or not _BASED_ON.search(response.text):
                response.failure(f"return form: {response.status_code}")


class Save(_SignedIn):
    """A full save: the form's POST, then Accept and send on the check page.

    The user goes round its six obligations, each save changing one figure. It starts from
    the version counts the set-up read from the database just before this run (the
    optimistic lock) and reads one form for its CSRF token (the same for every form of the
    session); after that it knows both, as a person going from one save to the next would.
    """

    def on_start(self) -> None:
        super().on_start()
        first = self.me["obligations"][0]
        response = self.client.get(
            self.form_url(first), name="save: first form GET", headers=self.cookies
        )
        token, based_on = _TOKEN.search(response.text), _BASED_ON.search(response.text)
        if response.status_code != 200 or not token or not based_on:
            raise RuntimeError(f"no form for {first}: {response.status_code}")
        if int(based_on.group(1)) != first["based_on"]:
            raise RuntimeError(f"{first}: the form says version {based_on.group(1)}")
        self.token = token.group(1)
        self.based_on = {n: o["based_on"] for n, o in enumerate(self.me["obligations"])}
        self.turn = itertools.cycle(range(len(self.me["obligations"])))
        if next(_SAVERS_READY) == self.environment.parsed_options.num_users:
            # Every user has its token: measure saves only from here, not the first GETs.
            self.environment.stats.reset_all()

    def _answers(self, care_type: str, based_on: int) -> dict[str, str]:
        answers = dict(_DATA["answers"][care_type])
        # 10 or 11 (care home), 1 or 2 (home care): within every cross-check of the figures.
        answers["staff_direct_non_care"] = str(int(answers["staff_direct_non_care"]) + based_on % 2)
        return answers

    def _post(self, url: str, data: dict[str, str], name: str, expect: str) -> float | None:
        """POST without following the redirect; the elapsed ms if it redirected to ``expect``."""
        started = time.perf_counter()
        with self.client.post(
            url,
            data=data,
            name=name,
            headers=self.cookies,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or expect not in location:
                response.failure(f"{name}: {response.status_code} to {location!r}")
                return None
        return (time.perf_counter() - started) * 1000

    @task
    def save_return(self) -> None:
        position = next(self.turn)
        obligation = self.me["obligations"][position]
        url = self.form_url(obligation)
        based_on = self.based_on[position]
        data = {
            "csrfmiddlewaretoken": self.token,
            "based_on": str(based_on),
            **self._answers(obligation["care_type"], based_on),
        }
        form_ms = self._post(url, data, "save: form POST", expect=url + "check/")
        if form_ms is None:
            return
        check_ms = self._post(
            url + "check/",
            {"csrfmiddlewaretoken": self.token},
            "save: check POST",
            expect="/returns/saved/",
        )
        if check_ms is None:
            return
        self.based_on[position] = based_on + 1
        # One entry per confirmed save, timed over both requests: saves/s and their p95.
        self.environment.events.request.fire(
            request_type="SAVE",
            name="save (form + check)",
            response_time=form_ms + check_ms,
            response_length=0,
            exception=None,
            context={},
        )
