"""Benchmarks behind ``make bench``.

Each benchmark builds its own throw-away database (never the developer's ``var/`` data), prints a
readable report and writes its figures as JSON under ``var/bench/``. ``run`` is the entry point:
``python -m dangjian.benchmarks.run``.
"""
