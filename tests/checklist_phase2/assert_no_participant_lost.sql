-- Phase 2, no loss: every participant (match_id, xuid) of the migrated player is in the
-- warehouse, and every non-NULL value of the player's copy is non-NULL in the warehouse.
-- Inside `dbt build` it checks the matches merged by that run (see run_batch_only).
-- One row per participant compared; the rows with a problem are the failures.
{{ config(
    tags=['checklist_phase2', 'player_db'],
    fail_calc='count(problem)',
    meta={'compares': "participants of the player's copies", 'no_loss_table': 'match_participants'},
) }}

{%- set value_columns = [
    'team_id', 'outcome', 'gamertag', 'rank', 'score', 'kills', 'deaths', 'assists',
    'shots_fired', 'shots_hit', 'damage_dealt', 'damage_taken', 'avg_life_seconds',
] %}

-- depends_on:
--   {{ ref('int_matches_changed') }}
--   {{ ref('match_participants') }}
--   {{ ref('stg_player_db__match_participants') }}

{%- do checklist_requires('player') %}

with staged_participants as (
    select * from {{ ref('stg_player_db__match_participants') }}
),

warehouse_participants as (
    select * from {{ published(ref('match_participants')) }}
),

source_participants as (
    -- a row without its key is not mergeable: int_rows_rejected names it
    select staged_participants.*
    from {{ in_run_batch('staged_participants') }}
    where staged_participants.match_id is not null and staged_participants.xuid is not null
),

compared as (
    select
        source_participants.match_id,
        source_participants.xuid,
        case
            when warehouse_participants.xuid is null then 'row missing'
            {%- for column in value_columns %}
                when
                    source_participants.{{ column }} is not null
                    and warehouse_participants.{{ column }} is null then '{{ column }} lost'
            {%- endfor %}
        end as problem
    from source_participants
    left join warehouse_participants
        on
            source_participants.match_id = warehouse_participants.match_id
            and source_participants.xuid = warehouse_participants.xuid
)

select * from compared
