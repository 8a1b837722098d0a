"""The store: sqlmodel tables (models), engine and migrations (db), repository functions (repo),
batch ingest (ingest) and XLSX export (export). Imports reports, never bot or handlers."""
