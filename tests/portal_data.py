"""Valid returns, shared by tests and benchmarks."""

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
    "visiting_possible": "yes",
    "visiting_reason": "",
}

GOOD_HOME_CARE = {
    "people_receiving_care": "10",
    "staff_direct_care": "5",
    "staff_direct_non_care": "1",
    "staff_agency": "0",
    "staff_absent_covid": "0",
}

GOOD_ANSWERS = {"care_home": GOOD_CARE_HOME, "home_care": GOOD_HOME_CARE}
