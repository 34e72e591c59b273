-- One execution per run, fenced: every acquisition of a pipeline's lease increments its fencing token; each stage
-- attempt records the token it ran under, and writes that matter (checkpoints, bundle, alias move, stage success,
-- the run's end) are refused once a newer token exists.
alter table pipeline_lease add column fencing_token bigint not null default 0;
alter table stage_execution add column fencing_token bigint;

-- Export is idempotent: the model version id is fixed by the run's first export attempt and reused by every retry
-- or resume of it.
alter table pipeline_run add column export_version varchar(64);

