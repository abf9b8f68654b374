-- Phase 5: the compatibility views answer, filtered to the player's matches: each returns
-- what the warehouse holds for them (all aliases for xuid_aliases), and every match of the
-- player whose roster / events the warehouse holds has rows in the view.
{{ config(tags=['checklist_phase5']) }}

{%- set catalog = compat_player_catalog() %}
{%- set player_xuid = compat_player_xuid() %}

with match_copies as (
    select * from {{ ref('match_players') }}
),

registry as (
    select * from {{ ref('match_registry') }}
),

player_matches as (
    select
        match_copies.match_id,
        registry.participants_loaded,
        registry.events_loaded
    from match_copies
    inner join registry
        on match_copies.match_id = registry.match_id
    where match_copies.player_xuid = {{ player_xuid }}
),

shared_participants as (
    select * from {{ ref('match_participants') }}
),

shared_events as (
    select * from {{ ref('highlight_events') }}
),

shared_aliases as (
    select * from {{ ref('xuid_aliases') }}
),

view_participants as (
    select * from {{ catalog }}.main.match_participants
),

view_events as (
    select * from {{ catalog }}.main.highlight_events
),

view_aliases as (
    select * from {{ catalog }}.main.xuid_aliases
),

expected_counts as (
    select
        'match_participants' as view_name,
        count(*) as expected_rows
    from shared_participants
    inner join player_matches
        on shared_participants.match_id = player_matches.match_id
    union all
    select
        'highlight_events' as view_name,
        count(*) as expected_rows
    from shared_events
    inner join player_matches
        on shared_events.match_id = player_matches.match_id
    union all
    select
        'xuid_aliases' as view_name,
        count(*) as expected_rows
    from shared_aliases
),

view_counts as (
    select
        'match_participants' as view_name,
        count(*) as view_rows
    from view_participants
    union all
    select
        'highlight_events' as view_name,
        count(*) as view_rows
    from view_events
    union all
    select
        'xuid_aliases' as view_name,
        count(*) as view_rows
    from view_aliases
),

count_problems as (
    select
        expected_counts.view_name || ': ' || view_counts.view_rows || ' rows, the warehouse has '
        || expected_counts.expected_rows || ' for the player' as problem
    from expected_counts
    inner join view_counts
        on expected_counts.view_name = view_counts.view_name
    where expected_counts.expected_rows != view_counts.view_rows
),

matches_without_participants as (
    select 'match_participants: no row for match ' || player_matches.match_id as problem
    from player_matches
    where
        player_matches.participants_loaded
        and player_matches.match_id not in (select view_participants.match_id from view_participants)
),

matches_without_events as (
    select 'highlight_events: no row for match ' || player_matches.match_id as problem
    from player_matches
    where
        player_matches.events_loaded
        and player_matches.match_id not in (select view_events.match_id from view_events)
),

problems as (
    select * from count_problems
    union all
    select * from matches_without_participants
    union all
    select * from matches_without_events
)

select * from problems
