-- Run cost: what each stage attempt consumed, measured by the runner (orchestration.ResourceMeter) and written when
-- the attempt ends, whatever its end (a fenced-out attempt records its own cost on its own FAILED row). Wall time is
-- the existing duration_ms. Null on rows older than this migration and where a measure is unavailable (no /proc).
--   cpu_ms             CPU time of the whole process during the attempt (one run executes per process)
--   peak_rss_bytes     peak resident set size of the process during the attempt (VmRSS sampled every 250 ms)
--   peak_heap_bytes    peak Java heap in use during the attempt (sampled, and the heap in use before each GC)
--   samples_per_second training throughput of a train attempt (examples / seconds of the batch loops, refit
--                      included); null for every other stage
alter table stage_execution add column cpu_ms bigint;
alter table stage_execution add column peak_rss_bytes bigint;
alter table stage_execution add column peak_heap_bytes bigint;
alter table stage_execution add column samples_per_second double precision;
