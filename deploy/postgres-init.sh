#!/bin/bash
# Runs once, when the PostgreSQL volume is created: the warehouse database and its owner.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<-SQL
    create role leadership login password '${WAREHOUSE_PASSWORD}' createrole;
    create database leadership owner leadership;
SQL
