-- Phase 2, no loss: every alias xuid of the migrated player is in the warehouse, and no
-- warehouse alias is older than the player's (the latest last_seen wins).
{{ config(tags=['checklist_phase2', 'player_db']) }}

-- depends_on: {{ ref('stg_player_db__xuid_aliases') }}, {{ ref('xuid_aliases') }}

{%- set unable = checklist_unable('player') %}
{%- if unable %}

    {{ unable }}

{%- else %}

    with source_aliases as (
        select * from {{ ref('stg_player_db__xuid_aliases') }}
    ),

    warehouse_aliases as (
        select * from {{ published(ref('xuid_aliases')) }}
    ),

    lost as (
        select
            source_aliases.xuid,
            source_aliases.last_seen,
            warehouse_aliases.last_seen as warehouse_last_seen
        from source_aliases
        left join warehouse_aliases
            on source_aliases.xuid = warehouse_aliases.xuid
        where
            source_aliases.xuid is not null
            and (
                warehouse_aliases.xuid is null
                or warehouse_aliases.last_seen < source_aliases.last_seen
            )
    )

    select * from lost

{%- endif %}
