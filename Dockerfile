# The platform on the official Airflow image: the project's packages, locked versions.
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
USER airflow

COPY --chown=airflow:root pyproject.toml constraints.txt README.md /opt/leadership/
COPY --chown=airflow:root leadership /opt/leadership/leadership
COPY --chown=airflow:root integrations /opt/leadership/integrations
COPY --chown=airflow:root simulator /opt/leadership/simulator
RUN pip install --no-cache-dir -c /opt/leadership/constraints.txt -e /opt/leadership

WORKDIR /opt/leadership
