-- Phase 2: player_count equals the number of migrated players whose match_stats hold the
-- match (one match_players row per migrated copy), for every match of the registry, and no
-- copy is orphaned (a match_players row always has its registry row).
{{ config(tags=['checklist_phase2']) }}

with registry as (
    select * from {{ ref('match_registry') }}
),

match_players as (
    select * from {{ ref('match_players') }}
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
