"""The notification pages belong to their recipient, not to an organisation: no role is needed
and no subtree applies. What stands in for a tenancy contract is in test_pages.py: another
user's notice answers 404, changes nothing and the probe is recorded."""

UNSCOPED_URLS = {
    "notifications:centre": "lists only request.user's notices; test_pages.py (order, paging)",
    "notifications:read": (
        "the recipient's own notice; another user's id → 404, unchanged, audited "
        "(test_pages.py::test_another_users_notification_is_not_found_unchanged_and_the_probe_recorded)"
    ),
    "notifications:open": "as notifications:read, then a redirect to a platform path only",
    "notifications:read_all": "marks only request.user's notices; test_pages.py",
    "notifications:preferences": "the account's own e-mail choices; test_pages.py (bad input)",
}
