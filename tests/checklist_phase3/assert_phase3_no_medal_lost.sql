-- Phase 3, no loss: every medal of every human participant in the latest landed stats
-- response of each tracked match is in match_medals, with its count. Inside `dbt build` it
-- checks the matches merged by that run (see run_batch_only).
{{ config(tags=['checklist_phase3', 'landing']) }}

-- depends_on: {{ ref('int_matches_changed') }}
-- depends_on: {{ ref('match_medals') }}
-- depends_on: {{ ref('stg_halo_api__match_history') }}
-- depends_on: {{ ref('stg_halo_api__match_stats') }}
-- depends_on: {{ ref('stg_halo_api__match_participants') }}
-- depends_on: {{ ref('stg_halo_api__participant_medals') }}

{%- do checklist_requires('landing') %}

with landed_medals as (
    select * from {{ ref('stg_halo_api__participant_medals') }}
),

warehouse_medals as (
    select * from {{ published(ref('match_medals')) }}
),

{{ landed_tracked_copies() }},

latest_stats as (
    {{ landed_latest_stats() }}
),

medals_of_batch as (
    select
        landed_medals.match_id,
        landed_medals.xuid,
        landed_medals.medal_name_id,
        landed_medals.medal_count
    from {{ in_run_batch('latest_stats') }}
    inner join landed_medals
        on latest_stats.response_id = landed_medals.response_id
    where landed_medals.xuid is not null and landed_medals.medal_name_id is not null
),

lost as (
    select
        medals_of_batch.match_id,
        medals_of_batch.xuid,
        medals_of_batch.medal_name_id,
        case
            when warehouse_medals.match_id is null then 'medal missing'
            when
                medals_of_batch.medal_count is not null
                and warehouse_medals.medal_count is null then 'medal_count lost'
        end as problem
    from medals_of_batch
    left join warehouse_medals
        on
            medals_of_batch.match_id = warehouse_medals.match_id
            and medals_of_batch.xuid = warehouse_medals.xuid
            and medals_of_batch.medal_name_id = warehouse_medals.medal_name_id
),

problems as (
    select * from lost
    where problem is not null
)

select * from problems
