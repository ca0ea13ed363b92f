"""Notice service and the deadlines that follow from it. Pure: dates in, dates out.

The Adult Social Care Information (Enforcement) Regulations 2022: a notice is taken to be
given on the day it is delivered by hand, on the third working day after posting, or on the
first working day after it was emailed; "working day" leaves out weekends, Christmas Day,
Good Friday and bank holidays in England. Representations may be made for a period of at
least 14 days starting the day after the notice of intent is given; a decision follows within
28 days of the end of that period. An appeal against a final notice is made within 28 days of
the decision being sent.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from capacity_tracker.lib.working_days import nth_working_day_after

MIN_REPRESENTATION_DAYS = 14
DECISION_DAYS = 28
APPEAL_DAYS = 28


class ServiceMethod(StrEnum):
    HAND = "hand"
    POST = "post"
    EMAIL = "email"


def deemed_given_on(sent_on: datetime.date, method: ServiceMethod | str) -> datetime.date:
    # Christmas Day and Good Friday are England bank holidays in the holidays package, so the
    # working-day calendar already covers every exclusion the regulations list.
    method = ServiceMethod(method)
    if method is ServiceMethod.HAND:
        return sent_on
    if method is ServiceMethod.POST:
        return nth_working_day_after(sent_on, 3)
    return nth_working_day_after(sent_on, 1)


def representations_end(given_on: datetime.date, days: int) -> datetime.date:
    """The last day for representations: ``days`` days starting the day after it was given."""
    if days < MIN_REPRESENTATION_DAYS:
        raise ValueError(
            f"The representations period must be at least {MIN_REPRESENTATION_DAYS} days."
        )
    return given_on + datetime.timedelta(days=days)


def decision_due(representations_last_day: datetime.date) -> datetime.date:
    return representations_last_day + datetime.timedelta(days=DECISION_DAYS)


def appeal_due(final_notice_sent_on: datetime.date) -> datetime.date:
    return final_notice_sent_on + datetime.timedelta(days=APPEAL_DAYS)
