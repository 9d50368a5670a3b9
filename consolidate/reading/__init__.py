"""Reading submissions as they really arrive into forms whose values remember their cells.

The only stage (with the writers) that touches input files. Each file is read once into
memory: its sha256 comes from the same bytes the parser sees. python-calamine does the
parsing (many times faster than openpyxl, and it reads .xls too).

- :mod:`.inbox` finds the submissions below a folder and reads them all;
- :mod:`.workbook` reads one file: :mod:`.containers` sniffs the format and opens the
  container once, :mod:`.zipscan` looking inside the zip in that pass (real sizes, sheet
  extents, error and formula cells, hidden rows) or :mod:`.biff` inside an .xls (hidden
  rows, a password), then loads the sheets; :mod:`.grid` holds one sheet's values with
  merged cells resolved; :mod:`.recognize` finds the annex, header, data rows and
  metadata in a grid and accounts for every non-empty row (decision 16);
- :mod:`.word` reads annexes filled in Word through the same recogniser;
- :mod:`.baseline` reads last year's register for the cross-year rules, with it too.
"""
