-- Runs can be cancelled, resumed (same run, new stage attempts) and are executed under a pipeline lease.
alter table pipeline_run drop constraint pipeline_run_status_check;
alter table pipeline_run add constraint pipeline_run_status_check
    check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'));
alter table pipeline_run add column pipeline varchar(64) not null default 'default';
-- a stop asked of the run, seen by its owner's heartbeat: cancel / replace / shutdown / timeout
alter table pipeline_run add column stop_requested varchar(16);
alter table pipeline_run add column stop_requested_by varchar(128);
alter table pipeline_run add column resume_count int not null default 0;
alter table pipeline_run add column cache_hit boolean;

alter table stage_execution drop constraint stage_execution_status_check;
alter table stage_execution add constraint stage_execution_status_check
    check (status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));

-- At most one run per pipeline executes at a time, across all replicas: the holder renews the lease with its
-- heartbeat; an expired lease (dead holder) can be taken over.
create table pipeline_lease (
    pipeline    varchar(64) primary key,
    run_id      bigint,
    holder      varchar(128),
    acquired_at timestamptz,
    expires_at  timestamptz not null
);

-- Schedule control shared by every replica.
create table schedule_state (
    pipeline   varchar(64) primary key,
    suspended  boolean      not null,
    changed_at timestamptz  not null,
    changed_by varchar(128) not null,
    reason     text
);

-- One row per cron tick that started (or skipped) a run: replicas firing the same tick create one run only.
create table schedule_tick (
    pipeline  varchar(64) not null,
    fire_time timestamptz not null,
    run_id    bigint,
    claimed_by varchar(128) not null,
    primary key (pipeline, fire_time)
);
