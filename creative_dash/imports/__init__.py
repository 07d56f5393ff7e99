"""Importing tables from CSV and XLSX files: reading them safely, validating every row, listing
every problem at once, and the templates users fill in. Pure: no store, no Streamlit.

- ``spec``: the importable tables, their columns (headers in kk/ru/en), limits and the pydantic
  models that validate a row;
- ``values``: how a cell becomes a value (numbers as Kazakh/Russian/English Excel writes them,
  dates, regions and coded values named in any of the three languages);
- ``read``: UTF-8 CSV (with or without BOM, comma, semicolon or tab) and XLSX (openpyxl over
  defusedxml, read-only, formulas never evaluated, zip bombs and external links refused),
  streamed row by row with size and row limits;
- ``validate``: a file -> the rows it would write and every :class:`Problem` (row, column,
  value, rule), in the reader's language, downloadable;
- ``template``: per table, a template with the headers in the user's language, one example row
  and a sheet explaining each column.

The store-side half (what changes, the one-transaction apply, the ``imports`` log) is
:mod:`creative_dash.store.importer`.
"""

from creative_dash.imports.spec import TABLES, Lookups, TableSpec
from creative_dash.imports.validate import ImportFileError, Parsed, Problem, parse

__all__ = ["TABLES", "ImportFileError", "Lookups", "Parsed", "Problem", "TableSpec", "parse"]
