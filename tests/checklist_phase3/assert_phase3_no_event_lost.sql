-- Phase 3, no loss: every highlight event of the loaded film of each tracked match (its
-- signature and occurrence within the film, as the merge keys it) is in the warehouse, with
-- every value the film gives (a NULL in the warehouse where the film has a value is a loss).
-- Inside `dbt build` it checks the matches merged by that run (see run_batch_only).
{{ config(tags=['checklist_phase3', 'landing']) }}

-- depends_on: {{ ref('int_matches_changed') }}
-- depends_on: {{ ref('highlight_events') }}
-- depends_on: {{ ref('stg_halo_api__match_history') }}
-- depends_on: {{ ref('stg_halo_api__match_stats') }}
-- depends_on: {{ ref('stg_halo_api__match_participants') }}
-- depends_on: {{ ref('stg_halo_api__highlight_events') }}

{%- do checklist_requires('landing') %}

with landed_events as (
    select * from {{ ref('stg_halo_api__highlight_events') }}
),

warehouse_events as (
    select * from {{ published(ref('highlight_events')) }}
),

{{ landed_tracked_copies() }},

checked_events as (
    select
        landed_events.match_id,
        landed_events.event_type,
        landed_events.time_ms,
        landed_events.xuid,
        landed_events.type_hint,
        landed_events.medal_value,
        landed_events.gamertag,
        landed_events.is_medal,
        landed_events.medal_name,
        landed_events.event_no as copy_order
    from {{ in_run_batch('landed_events') }}
    semi join tracked_copies
        on landed_events.match_id = tracked_copies.match_id
),

film_events as (
    {{ events_with_occurrence('checked_events') }}
),

lost as (
    select
        film_events.match_id,
        film_events.event_type,
        film_events.time_ms,
        film_events.xuid,
        film_events.occurrence,
        case
            when warehouse_events.match_id is null then 'event missing'
            {%- for column in ['gamertag', 'is_medal', 'medal_name'] %}
                when
                    film_events.{{ column }} is not null
                    and warehouse_events.{{ column }} is null then '{{ column }} lost'
            {%- endfor %}
        end as problem
    from film_events
    left join warehouse_events
        on {{ null_safe_equal('film_events', 'warehouse_events', var('event_key')) }}
),

problems as (
    select * from lost
    where problem is not null
)

select * from problems
