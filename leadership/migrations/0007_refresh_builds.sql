-- A refresh builds only what is downstream of the streams that changed since the
-- previous build of the same day; the marts then describe that day as a full build
-- would, so the row keeps selector null and names what it built here.
alter table ops.mart_builds add column if not exists refreshed text;
