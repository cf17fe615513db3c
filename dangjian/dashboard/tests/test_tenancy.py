UNSCOPED_URLS = {
    "dashboard:problems": "no object in the URL: every source reads its rows through visible_to; "
    "scope tested in test_problems.py (a branch sees its own rows only)",
    "dashboard:problems_export": "the same rows as dashboard:problems; tested in test_problems.py",
}
