-- Where a stage attempt executed (stages.executor) and what a worker outside the orchestrator's JVM reported.
--   executor     in-process | process | kubernetes (null on rows older than this migration: in-process)
--   worker       the JVM that executed the attempt: host:pid (in a Kubernetes Job the host is the pod's name)
--   worker_pid   its process id (distinct per attempt with the process executor)
--   result       JSON written by a worker when its attempt ends (orchestration.AttemptResult: status, outputs,
--                outcome, model version, samples/s, error, transient, stop reason); read by the orchestrator, which
--                alone moves the attempt's status. Null for in-process attempts.
--   job_name     the Kubernetes Job of the attempt (kubernetes executor), so a restarted orchestrator re-attaches
alter table stage_execution add column executor varchar(32);
alter table stage_execution add column worker varchar(255);
alter table stage_execution add column worker_pid bigint;
alter table stage_execution add column result text;
alter table stage_execution add column job_name varchar(63);
