-- Phase 3, no loss: every human participant of the latest landed stats response of each
-- tracked match is in the warehouse, and every value the landing gives them (the stats, and
-- the skill of their latest skill response) is non-NULL in the warehouse. Inside `dbt build`
-- it checks the matches merged by that run (see run_batch_only).
{{ config(tags=['checklist_phase3', 'landing']) }}

{%- set stats_columns = [
    'team_id', 'outcome', 'rank', 'kills', 'deaths', 'assists', 'headshot_kills',
    'grenade_kills', 'melee_kills', 'power_weapon_kills', 'shots_fired', 'shots_hit',
    'damage_dealt', 'damage_taken', 'score', 'personal_score', 'max_killing_spree', 'kda',
    'accuracy', 'avg_life_seconds', 'time_played_seconds', 'is_present_at_end',
] %}
{%- set skill_columns = [
    'team_mmr', 'enemy_mmr', 'kills_expected', 'kills_stddev', 'deaths_expected',
    'deaths_stddev', 'assists_expected', 'assists_stddev',
] %}

-- depends_on: {{ ref('int_matches_changed') }}
-- depends_on: {{ ref('match_participants') }}
-- depends_on: {{ ref('stg_halo_api__match_history') }}
-- depends_on: {{ ref('stg_halo_api__match_stats') }}
-- depends_on: {{ ref('stg_halo_api__match_participants') }}
-- depends_on: {{ ref('stg_halo_api__match_skill') }}

{%- do checklist_requires('landing') %}

with landed_skill as (
    select * from {{ ref('stg_halo_api__match_skill') }}
),

warehouse_participants as (
    select * from {{ published(ref('match_participants')) }}
),

{{ landed_tracked_copies() }},

latest_stats as (
    {{ landed_latest_stats() }}
),

latest_skill as (
    select landed_skill.*
    from landed_skill
    qualify row_number() over (
        partition by landed_skill.match_id, landed_skill.xuid
        order by landed_skill.response_id desc
    ) = 1
),

landed_participants as (
    select
        landed_roster.match_id,
        landed_roster.xuid,
        {%- for column in stats_columns %}
            landed_roster.{{ column }},
        {%- endfor %}
        {%- for column in skill_columns %}
            latest_skill.{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ in_run_batch('latest_stats') }}
    inner join landed_roster
        on latest_stats.response_id = landed_roster.response_id
    left join latest_skill
        on
            landed_roster.match_id = latest_skill.match_id
            and landed_roster.xuid = latest_skill.xuid
    where landed_roster.xuid is not null
),

lost as (
    select
        landed_participants.match_id,
        landed_participants.xuid,
        case
            when warehouse_participants.xuid is null then 'row missing'
            {%- for column in stats_columns + skill_columns %}
                when
                    landed_participants.{{ column }} is not null
                    and warehouse_participants.{{ column }} is null then '{{ column }} lost'
            {%- endfor %}
        end as problem
    from landed_participants
    left join warehouse_participants
        on
            landed_participants.match_id = warehouse_participants.match_id
            and landed_participants.xuid = warehouse_participants.xuid
),

problems as (
    select * from lost
    where problem is not null
)

select * from problems
