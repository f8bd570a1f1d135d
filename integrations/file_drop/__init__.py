"""The CSV file drop: a folder (or SFTP directory) of dated files, one file per stream per drop.

The platform defines the contract, since flat-file drops have no standard:

- file names ``<stream>_<YYYY-MM-DD>.csv`` (e.g. ``workers_2026-10-01.csv``), the date
  being the day the snapshot describes; one file per stream per drop;
- a header row with the contract's column names; UTF-8 (a BOM is tolerated);
  comma-separated, RFC 4180 quoting;
- each file is a full snapshot of its stream as of its date; files are read oldest
  first and the bookmark is the last file published.
"""

from integrations.file_drop.client import FileDrop, LocalFolder

__all__ = ["FileDrop", "LocalFolder"]
