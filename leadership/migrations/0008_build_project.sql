-- The dbt project a build ran (a fingerprint of its models, macros, seeds and tests):
-- marts built by other code do not describe a day, so a changed model, seed or weight
-- makes the next build a full one, never a skipped or partial one.
alter table ops.mart_builds add column if not exists project text;
