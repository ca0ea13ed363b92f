"""The last day of the window: locust users for tests/faults/test_last_day_rush.py.

Each locust user is one provider user (made by bench/load/rush_seed.py, read from
RUSH_USERS_FILE) who signs in through the pages, password then authenticator code (or, for
those the seed signed in earlier in the day, comes with its session), and then, until the run
ends, opens the dashboard and sends returns for its six obligations: full returns
(the form, then check answers, then the saved page), "nothing has changed" returns, nil returns
and now and then a CSV file (the template downloaded, uploaded, checked, confirmed).

Every save the service acknowledged (the redirect to the saved page with its reference, or an
upload's page saying its returns are saved) is written, one JSON line each, to RUSH_ACKS_FILE;
so is every 5xx answer and every failed request. The checker (bench/load/rush_check.py) holds the database to that file.

The service's cookies are Secure-only and this run is plain HTTP, so the client's cookie jar
is switched off (as in bench/load/locustfile.py) and each user keeps its own cookies from the
Set-Cookie headers. Each user owns its provider, and reads the version count (the form's
optimistic lock) from the page before each save, as a person would: no save is ever stale.
This file imports nothing from the project: locust loads it on its own.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import itertools
import json
import os
import random
import re
import time
import uuid
from collections import Counter
from http.cookiejar import DefaultCookiePolicy
from http.cookies import SimpleCookie
from typing import Any

from locust import FastHttpUser, between, events, task
from locust.exception import RescheduleTask, StopUser

_DATA: dict[str, Any] = json.loads(open(os.environ["RUSH_USERS_FILE"]).read())  # noqa: SIM115
_ACKS = open(os.environ["RUSH_ACKS_FILE"], "a", buffering=1)  # noqa: SIM115 (the run's life)
_NEXT_USER = itertools.count()
_REQUESTS: Counter[str] = Counter()
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_BASED_ON = re.compile(r'name="based_on" value="(\d+)"')
_SAVED = re.compile(r"/returns/saved/([A-Z0-9-]+)/$")
_UPLOAD = re.compile(r"/returns/bulk/(\d+)/$")
# Seconds between one thing and the next: people on the last day are in a hurry.
_WAIT = [float(s) for s in os.environ.get("RUSH_WAIT", "0.2,1.0").split(",")]


def _record(entry: dict[str, Any]) -> None:
    """One line per acknowledgement: written whole, before anything else can run (gevent)."""
    _ACKS.write(json.dumps(entry) + "\n")


@events.request.add_listener
def _failures(response: Any = None, name: str = "", exception: Any = None, **_: Any) -> None:
    """Every 5xx and every failed request, here as well as in locust's stats: its CSVs are
    written before the users' last actions (the stop timeout) are over."""
    _REQUESTS[name] += 1
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        _record({"kind": "server_error", "status": status, "request": name})
    if exception is not None:
        _record({"kind": "failure", "request": name, "error": str(exception)[:300]})


def _give_up(why: str) -> RescheduleTask:
    """A page without what it should have (a token, a version count): a failure, recorded."""
    _record({"kind": "failure", "request": "page content", "error": why})
    return RescheduleTask()


@events.quitting.add_listener
def _totals(**_: Any) -> None:
    _record({"kind": "requests", "count": sum(_REQUESTS.values()), "by_name": dict(_REQUESTS)})


def totp(key_hex: str, at: float | None = None) -> str:
    """The authenticator app's code now (RFC 6238: 30-second steps, six digits, SHA-1)."""
    step = int(time.time() if at is None else at) // 30
    digest = hmac.new(bytes.fromhex(key_hex), step.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def multipart(fields: dict[str, str], file_field: str, file_name: str, content: bytes) -> tuple:
    """A multipart/form-data body (the fast client sends bytes; it builds no forms)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{file_name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class RushProvider(FastHttpUser):
    wait_time = between(*_WAIT)

    # --- cookies and requests -------------------------------------------------------------

    def on_start(self) -> None:
        index = next(_NEXT_USER)
        users = _DATA["users"]
        if index >= len(users):
            # Two locust users on one provider would make each other's saves stale.
            raise StopUser(f"only {len(users)} rush users for more locust users")
        self.me = users[index]
        self.cookies: dict[str, str] = {}
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        if self.me["session"]:  # signed in earlier in the day
            self.cookies = {"sessionid": self.me["session"], "csrftoken": self.me["csrf"]}
            return
        try:
            self.sign_in()
        except RescheduleTask:
            raise StopUser() from None  # the failure is recorded: a user not signed in stops

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, **(extra or {})}

    def _keep_cookies(self, response: Any) -> None:
        for header in response.headers.get_all("set-cookie", []) if response.headers else []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)  # Django deletes a cookie this way
                else:
                    self.cookies[name] = morsel.value

    def call(
        self,
        method: str,
        url: str,
        name: str,
        *,
        expect: int,
        goes_to: str = "",
        shows: str = "",
        data: Any = None,
        content_type: str = "",
    ) -> Any:
        """One request, cookies kept; a failure (and the task given up) unless it answered
        ``expect``, redirected to a URL containing ``goes_to``, and shows ``shows``."""
        extra = {"Content-Type": content_type} if content_type else None
        with self.client.request(
            method,
            url,
            name=name,
            data=data,
            headers=self._headers(extra),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._keep_cookies(response)
            location = response.headers.get("Location", "") if response.headers else ""
            text = response.text or ""
            problem = ""
            if response.status_code != expect:
                problem = f"{response.status_code}, not {expect}"
            elif goes_to and goes_to not in location:
                problem = f"redirected to {location!r}"
            elif shows and shows not in text:
                problem = f"no {shows!r} on the page"
            if problem:
                response.failure(f"{name}: {problem} ({text[:200]!r})")
                raise RescheduleTask()
            response.success()  # a redirect we asked for is not a failure
            response.location, response.body = location, text
            return response

    def token(self, page: Any) -> str:
        found = _TOKEN.search(page.body)
        if not found:
            raise _give_up("no CSRF token on the page")
        return found.group(1)

    # --- signing in -----------------------------------------------------------------------

    def sign_in(self) -> None:
        page = self.call("GET", "/sign-in/", "sign in: page", expect=200)
        answer = self.call(
            "POST",
            "/sign-in/",
            "sign in: password",
            expect=302,
            data={
                "csrfmiddlewaretoken": self.token(page),
                "username": self.me["email"],
                "password": self.me["password"],
            },
        )
        # The home page sends a person who has not given a code yet to the code page.
        home = self.call("GET", answer.location, "sign in: home", expect=302, goes_to="/code/")
        code_url = home.location
        page = self.call("GET", code_url, "sign in: code page", expect=200)
        answer = self.call(
            "POST",
            code_url,
            "sign in: code",
            expect=302,
            data={"csrfmiddlewaretoken": self.token(page), "otp_token": totp(self.me["totp_key"])},
        )
        self.call("GET", answer.location, "home", expect=302, goes_to="/returns/")
        self.dashboard()

    # --- what people do on the last day ---------------------------------------------------

    def _obligation(self) -> tuple[dict[str, str], str]:
        obligation = random.choice(self.me["obligations"])
        url = f"/returns/{self.me['period']}/{obligation['cqc_id']}/{obligation['care_type']}/"
        return obligation, url

    def _acknowledged(self, kind: str, answer: Any, obligation: dict[str, str]) -> None:
        reference = _SAVED.search(answer.location)
        if not reference:
            raise _give_up(f"no reference in {answer.location!r}")
        _record(
            {
                "kind": kind,
                "reference": reference.group(1),
                "cqc_id": obligation["cqc_id"],
                "care_type": obligation["care_type"],
                "user": self.me["email"],
            }
        )
        self.call("GET", answer.location, "saved page", expect=200, shows=reference.group(1))

    @task(3)
    def dashboard(self) -> None:
        first = self.me["obligations"][0]["cqc_id"]
        self.call("GET", "/returns/", "dashboard", expect=200, shows=first)

    @task(4)
    def full_return(self) -> None:
        obligation, url = self._obligation()
        form = self.call("GET", url, "full: form", expect=200)
        based_on = _BASED_ON.search(form.body)
        if not based_on:
            raise _give_up("no version count on the page")
        answers = dict(_DATA["answers"][obligation["care_type"]])
        # One figure changes from save to save, within every cross-check of the figures.
        answers["staff_direct_non_care"] = str(
            int(answers["staff_direct_non_care"]) + int(based_on.group(1)) % 2
        )
        token = self.token(form)
        data = {"csrfmiddlewaretoken": token, "based_on": based_on.group(1), **answers}
        self.call("POST", url, "full: form POST", expect=302, goes_to=url + "check/", data=data)
        self.call("GET", url + "check/", "full: check answers", expect=200)
        answer = self.call(
            "POST",
            url + "check/",
            "full: accept and send",
            expect=302,
            goes_to="/returns/saved/",
            data={"csrfmiddlewaretoken": token},
        )
        self._acknowledged("full", answer, obligation)

    @task(2)
    def unchanged_return(self) -> None:
        obligation, url = self._obligation()
        page = self.call("GET", url + "unchanged/", "unchanged: page", expect=200)
        based_on = _BASED_ON.search(page.body)
        if not based_on:
            raise _give_up("no version count on the page")
        answer = self.call(
            "POST",
            url + "unchanged/",
            "unchanged: confirm",
            expect=302,
            goes_to="/returns/saved/",
            data={"csrfmiddlewaretoken": self.token(page), "based_on": based_on.group(1)},
        )
        self._acknowledged("unchanged", answer, obligation)

    @task(1)
    def nil_return(self) -> None:
        obligation, url = self._obligation()
        page = self.call("GET", url + "nil/", "nil: page", expect=200)
        based_on = _BASED_ON.search(page.body)
        if not based_on:
            raise _give_up("no version count on the page")
        answer = self.call(
            "POST",
            url + "nil/",
            "nil: send",
            expect=302,
            goes_to="/returns/saved/",
            data={
                "csrfmiddlewaretoken": self.token(page),
                "based_on": based_on.group(1),
                "nil_reason": "no_service_users",
                "nil_reason_detail": "",
            },
        )
        self._acknowledged("nil", answer, obligation)

    @task(1)
    def csv_upload(self) -> None:
        """The whole group's returns from the CSV template, sent back as downloaded."""
        page = self.call("GET", "/returns/bulk/", "csv: page", expect=200)
        template = self.call("GET", "/returns/bulk/template/all.csv", "csv: template", expect=200)
        content = template.body.encode("utf-8")
        rows = [
            [row["location_id"], row["care_type"]]
            for row in csv.DictReader(io.StringIO(template.body.lstrip("\ufeff")))
        ]
        token = self.token(page)
        body, content_type = multipart(
            {"csrfmiddlewaretoken": token}, "file", "returns.csv", content
        )
        answer = self.call(
            "POST",
            "/returns/bulk/",
            "csv: upload",
            expect=302,
            goes_to="/returns/bulk/",
            data=body,
            content_type=content_type,
        )
        upload = _UPLOAD.search(answer.location)
        if not upload:
            raise _give_up(f"no upload in {answer.location!r}")
        url = answer.location
        self.call("GET", url, "csv: preview", expect=200, shows="Check what will be saved")
        self.call(
            "POST",
            url + "confirm/",
            "csv: confirm",
            expect=302,
            goes_to=url,
            data={"csrfmiddlewaretoken": token},
        )
        self.call("GET", url, "csv: saved", expect=200, shows="returns saved")
        _record(
            {
                "kind": "csv",
                "upload": int(upload.group(1)),
                "rows": rows,
                "user": self.me["email"],
            }
        )
