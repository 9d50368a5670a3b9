"""Writing outputs atomically: files, workbooks, the report, annotated copies, templates."""
