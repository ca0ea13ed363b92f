"""Valid returns, shared by tests and benchmarks.

Each holds an answer to every question any shipped dataset version asks, in any month: the
vaccination items asked every month (from the January 2027 version; also the reconstructed
2022 notice) and the seasonal ones asked in campaign months (September to March). Answers to
questions a month does not ask are ignored by the validation, so one dict fits every month.
"""

GOOD_CARE_HOME = {
    "beds_max_capacity": "40",
    "beds_occupied": "35",
    "beds_vacant_reserved": "1",
    "beds_vacant_accepting": "4",
    "staff_direct_nurses": "6",
    "staff_direct_care": "30",
    "staff_direct_non_care": "10",
    "staff_agency_nurses": "1",
    "staff_agency_care": "3",
    "staff_agency_non_care": "0",
    "absent_direct_nurses": "0",
    "absent_direct_care": "2",
    "absent_direct_non_care": "0",
    "absent_agency_nurses": "0",
    "absent_agency_care": "0",
    "absent_agency_non_care": "0",
    # Of 50 staff and 35 residents; low enough for tests that lower occupied beds to 30.
    "vacc_staff_covid_primary": "44",
    "vacc_staff_covid_booster": "18",
    "vacc_staff_flu": "24",
    "vacc_residents_covid_primary": "30",
    "vacc_residents_covid_booster": "26",
    "vacc_residents_flu": "28",
    "visiting_possible": "yes",
    "visiting_reason": "",
}

GOOD_HOME_CARE = {
    "people_receiving_care": "10",
    "staff_direct_care": "5",
    "staff_direct_non_care": "1",
    "staff_agency": "0",
    "staff_absent_covid": "0",
    # Of 6 staff.
    "vacc_staff_covid_primary": "6",
    "vacc_staff_covid_booster": "2",
    "vacc_staff_flu": "3",
}

GOOD_ANSWERS = {"care_home": GOOD_CARE_HOME, "home_care": GOOD_HOME_CARE}

# Asked every month from January 2027 (returns/data/dataset_2027_01.json) but not from July
# 2023 to December 2026, so not in those months' forms or CSV templates.
ASKED_FROM_2027 = frozenset({"vacc_staff_covid_primary", "vacc_residents_covid_primary"})
