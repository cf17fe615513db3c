"""Stored files: one model and one service for every upload the platform keeps (ADR 0013).

``rules`` decides a file's type from its bytes (pure), ``purposes`` is the registry apps declare
their kinds of upload in, ``services`` writes, reads, verifies and purges, ``views`` serves a file
through the purpose's scope check.
"""
