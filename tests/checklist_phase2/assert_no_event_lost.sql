-- Phase 2, no loss: every event (signature, occurrence) of the migrated player is in the
-- warehouse (a copy with n identical rows needs n rows with that signature).
-- Inside `dbt build` it checks the matches merged by that run (see run_batch_only).
{{ config(tags=['checklist_phase2']) }}
-- depends_on: {{ ref('int_matches_changed') }}

with staged_events as (
    select * from {{ ref('stg_player_db__highlight_events') }}
),

checked_events as (
    select staged_events.*
    from {{ in_run_batch('staged_events') }}
),

source_events as (
    {{ keyed_events('checked_events') }}
),

warehouse_events as (
    select * from {{ ref('highlight_events') }}
),

lost as (
    select
        source_events.match_id,
        source_events.event_type,
        source_events.time_ms,
        source_events.xuid,
        source_events.occurrence
    from source_events
    left join warehouse_events
        on source_events.event_key = warehouse_events.event_key
    where warehouse_events.event_key is null
)

select * from lost
