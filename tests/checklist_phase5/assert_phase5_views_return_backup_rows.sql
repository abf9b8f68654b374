-- Phase 5, no loss through the views: every row the dropped tables held (read from the
-- backup) is returned by the view of the same name. Allowed normalisations: event_type in
-- lower case; highlight event ids renumbered (events are compared by match, type, time,
-- actor and type hint, as many times as the backup holds them); a participant or alias row is
-- found by its key (the warehouse may fill a column the player's copy had NULL).
{{ config(tags=['checklist_phase5']) }}

{%- set backup = compat_cleanup_backup('phase5_backup_rows') %}
{%- set catalog = compat_player_catalog() %}

{%- if backup is none %}

    select 'no complete backup: cannot compare the views with the original rows' as problem

{%- else %}

    with backup_participants as (
        select * from phase5_backup_rows.main.match_participants
    ),

    backup_events as (
        select * from phase5_backup_rows.main.highlight_events
    ),

    backup_aliases as (
        select * from phase5_backup_rows.main.xuid_aliases
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

    lost_participants as (
        select 'match_participants: ' || backup_participants.match_id || ' / '
            || backup_participants.xuid || ' not returned' as problem
        from backup_participants
        left join view_participants
            on
                backup_participants.match_id = view_participants.match_id
                and backup_participants.xuid = view_participants.xuid
        where view_participants.match_id is null
    ),

    backup_event_signatures as (
        select
            match_id,
            lower(event_type) as event_type,
            time_ms,
            xuid,
            type_hint,
            count(*) as backup_rows
        from backup_events
        group by all
    ),

    view_event_signatures as (
        select
            match_id,
            event_type,
            time_ms,
            xuid,
            type_hint,
            count(*) as view_rows
        from view_events
        group by all
    ),

    lost_events as (
        select
            'highlight_events: ' || backup_event_signatures.match_id || ' '
            || coalesce(backup_event_signatures.event_type, 'NULL') || ' at '
            || coalesce(cast(backup_event_signatures.time_ms as varchar), 'NULL') || ': '
            || backup_event_signatures.backup_rows || ' in the backup, '
            || coalesce(view_event_signatures.view_rows, 0) || ' returned' as problem
        from backup_event_signatures
        left join view_event_signatures
            on
                backup_event_signatures.match_id = view_event_signatures.match_id
                and backup_event_signatures.event_type
                is not distinct from view_event_signatures.event_type
                and backup_event_signatures.time_ms
                is not distinct from view_event_signatures.time_ms
                and backup_event_signatures.xuid is not distinct from view_event_signatures.xuid
                and backup_event_signatures.type_hint
                is not distinct from view_event_signatures.type_hint
        where backup_event_signatures.backup_rows > coalesce(view_event_signatures.view_rows, 0)
    ),

    lost_aliases as (
        select 'xuid_aliases: ' || backup_aliases.xuid || ' not returned' as problem
        from backup_aliases
        left join view_aliases
            on backup_aliases.xuid = view_aliases.xuid
        where view_aliases.xuid is null
    ),

    problems as (
        select * from lost_participants
        union all
        select * from lost_events
        union all
        select * from lost_aliases
    )

    select * from problems

{%- endif %}
