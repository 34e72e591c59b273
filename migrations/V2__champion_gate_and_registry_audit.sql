-- Gate checks record the candidate, the champion (production model evaluated on the same split) and the baseline
-- values side by side, with the metric's direction.
alter table gate_check rename column value to candidate_value;
alter table gate_check rename column reference to baseline_value;
alter table gate_check add column champion_value double precision;
alter table gate_check add column direction varchar(8) check (direction in ('higher', 'lower'));

-- The production version the run's gate compared against (null on the first run).
alter table pipeline_run add column champion_version varchar(64);

-- Alias moves: promotion (automatic by the gate or manual) or rollback; a forced promotion of a rejected or
-- archived version is marked.
alter table alias_history add column action varchar(16) not null default 'promote'
    check (action in ('promote', 'rollback'));
alter table alias_history add column forced boolean not null default false;

-- Model version lifecycle changes (archive) are audited too.
alter table model_version add column status_changed_at timestamptz;
alter table model_version add column status_changed_by varchar(128);
alter table model_version add column status_reason text;
