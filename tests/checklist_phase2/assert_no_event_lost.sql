-- Phase 2, no loss: every event (signature, occurrence) of the migrated player is in the
-- warehouse (a copy with n identical rows needs n rows with that signature), with every value
-- the copy had (a NULL in the warehouse where the copy has a value is a loss).
-- Inside `dbt build` it checks the matches merged by that run (see run_batch_only).
-- One row per event compared; the rows with a problem are the failures.
{{ config(
    tags=['checklist_phase2', 'player_db'],
    fail_calc='count(problem)',
    meta={'compares': "highlight events of the player's copies", 'no_loss_table': 'highlight_events'},
) }}

-- depends_on:
--   {{ ref('highlight_events') }}
--   {{ ref('int_matches_changed') }}
--   {{ ref('stg_player_db__highlight_events') }}

{%- do checklist_requires('player') %}

with staged_events as (
    select * from {{ ref('stg_player_db__highlight_events') }}
),

warehouse_events as (
    select * from {{ published(ref('highlight_events')) }}
),

checked_events as (
    select
        {%- for column in var('event_key')[:-1] + ['gamertag', 'is_medal', 'medal_name'] %}
            staged_events.{{ column }},
        {%- endfor %}
        staged_events.source_event_id as copy_order
    from {{ in_run_batch('staged_events') }}
    where staged_events.match_id is not null
),

source_events as (
    {{ events_with_occurrence('checked_events') }}
),

compared as (
    select
        source_events.match_id,
        source_events.event_type,
        source_events.time_ms,
        source_events.xuid,
        source_events.occurrence,
        case
            when warehouse_events.match_id is null then 'event missing'
            {%- for column in ['gamertag', 'is_medal', 'medal_name'] %}
                when
                    source_events.{{ column }} is not null
                    and warehouse_events.{{ column }} is null then '{{ column }} lost'
            {%- endfor %}
        end as problem
    from source_events
    left join warehouse_events
        on {{ null_safe_equal('source_events', 'warehouse_events', var('event_key')) }}
)

select * from compared
