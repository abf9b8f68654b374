-- Phase 2 and 3: player_count equals the number of tracked players who have the match (one
-- match_players row per copy), for every match of the registry, and no copy is orphaned (a
-- match_players row always has its registry row). Inside `dbt build`, as the run publishes
-- them.
-- One row per match compared; the rows with a problem are the failures.
{{ config(
    tags=['checklist_phase2', 'checklist_phase3'],
    fail_calc='count(problem)',
    meta={'compares': 'matches of match_registry and match_players'},
) }}

with registry as (
    select * from {{ published(ref('match_registry')) }}
),

match_players as (
    select * from {{ published(ref('match_players')) }}
),

copies_per_match as (
    select
        match_id,
        count(*) as copies
    from match_players
    group by match_id
),

compared as (
    select
        coalesce(registry.match_id, copies_per_match.match_id) as match_id,
        registry.player_count,
        copies_per_match.copies,
        case
            when registry.match_id is null then 'copies without a registry row'
            when registry.player_count != copies_per_match.copies then 'player_count wrong'
            when copies_per_match.match_id is null then 'no copy in match_players'
        end as problem
    from registry
    full outer join copies_per_match
        on registry.match_id = copies_per_match.match_id
)

select * from compared
