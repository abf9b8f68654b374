-- Phase 5: the compatibility views answer as the app uses them, filtered to the player's
-- matches: each gives exactly what the warehouse holds for the player (every alias for
-- xuid_aliases), and every match of the player whose roster / events the warehouse holds has
-- rows in the view.
{{ config(tags=['checklist_phase5']) }}
-- depends_on: {{ ref('match_players') }}, {{ ref('match_registry') }}, {{ ref('v4_match_participants') }}
-- depends_on: {{ ref('v4_highlight_events') }}, {{ ref('v4_xuid_aliases') }}

{%- set unable = compat_unable(needs_backup=false) %}
{%- if unable %}

    {{ unable }}

{%- else %}

    {%- set player_xuid = sql_string(compat_facts()['player_xuid']) %}

    with match_players as (
        select * from {{ ref('match_players') }}
    ),

    registry as (
        select * from {{ ref('match_registry') }}
    ),

    shared_participants as (
        select * from {{ ref('v4_match_participants') }}
    ),

    shared_events as (
        select * from {{ ref('v4_highlight_events') }}
    ),

    shared_aliases as (
        select * from {{ ref('v4_xuid_aliases') }}
    ),

    view_participants as (
        select * from player_db.main.match_participants
    ),

    view_events as (
        select * from player_db.main.highlight_events
    ),

    view_aliases as (
        select * from player_db.main.xuid_aliases
    ),

    player_matches as (
        select
            match_players.match_id,
            registry.participants_loaded,
            registry.events_loaded
        from match_players
        inner join registry
            on match_players.match_id = registry.match_id
        where match_players.player_xuid = {{ player_xuid }}
    ),

    expected_counts as (
        select
            'match_participants' as view_name,
            count(*) as expected_rows
        from shared_participants
        where player_xuid = {{ player_xuid }}
        union all
        select
            'highlight_events' as view_name,
            count(*) as expected_rows
        from shared_events
        where player_xuid = {{ player_xuid }}
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
        anti join view_participants
            on player_matches.match_id = view_participants.match_id
        where player_matches.participants_loaded
    ),

    matches_without_events as (
        select 'highlight_events: no row for match ' || player_matches.match_id as problem
        from player_matches
        anti join view_events
            on player_matches.match_id = view_events.match_id
        where player_matches.events_loaded
    ),

    problems as (
        select * from count_problems
        union all
        select * from matches_without_participants
        union all
        select * from matches_without_events
    )

    select * from problems

{%- endif %}
