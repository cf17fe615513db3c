"""Member workbooks: the template, hostile-file checks, validation and import, and export."""
