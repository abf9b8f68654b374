-- Phase 2, no loss: every alias xuid of the migrated player is in the warehouse, and no
-- warehouse alias is older than the player's (the latest last_seen wins).
-- One row per alias compared; the rows with a problem are the failures.
{{ config(
    tags=['checklist_phase2', 'player_db'],
    fail_calc='count(problem)',
    meta={'compares': "aliases of the player's DB", 'no_loss_table': 'xuid_aliases'},
) }}

-- depends_on: {{ ref('stg_player_db__xuid_aliases') }}, {{ ref('xuid_aliases') }}

{%- do checklist_requires('player') %}

with source_aliases as (
    select * from {{ ref('stg_player_db__xuid_aliases') }}
),

warehouse_aliases as (
    select * from {{ published(ref('xuid_aliases')) }}
),

compared as (
    select
        source_aliases.xuid,
        source_aliases.last_seen,
        warehouse_aliases.last_seen as warehouse_last_seen,
        case
            when warehouse_aliases.xuid is null then 'alias missing'
            when warehouse_aliases.last_seen < source_aliases.last_seen then 'older alias kept'
        end as problem
    from source_aliases
    left join warehouse_aliases
        on source_aliases.xuid = warehouse_aliases.xuid
    where source_aliases.xuid is not null
)

select * from compared
