-- A ranking metric's 95% bootstrap interval over the ranked users (evaluate stage), stored beside its value.
alter table run_metric add column ci_low double precision;
alter table run_metric add column ci_high double precision;
