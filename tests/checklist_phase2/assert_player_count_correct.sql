-- Phase 2 and 3: player_count equals the number of tracked players who have the match (one
-- match_players row per copy), for every match of the registry, and no copy is orphaned (a
-- match_players row always has its registry row). Inside `dbt build`, as the run publishes
-- them.
{{ config(tags=['checklist_phase2', 'checklist_phase3']) }}

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

wrong as (
    select
        coalesce(registry.match_id, copies_per_match.match_id) as match_id,
        registry.player_count,
        copies_per_match.copies
    from registry
    full outer join copies_per_match
        on registry.match_id = copies_per_match.match_id
    where registry.player_count is distinct from copies_per_match.copies
)

select * from wrong
