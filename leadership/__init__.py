"""Leadership Passport Platform: the domain package.

Warehouse access, the validate/publish path, the sync orchestration, dbt and
Airflow helpers, and the ``leadership`` command line all live here. DAG files
and the CLI call the same functions.
"""

__version__ = "0.1.0"
