-- Phase 5: match_participants, highlight_events and xuid_aliases are views in the player DB,
-- no longer tables (their rows live in the warehouse).
{{ config(tags=['checklist_phase5']) }}

{%- set unable = compat_unable() %}
{%- if unable %}

    {{ unable }}

{%- else %}

    with player_relations as (
        select
            table_name,
            table_type
        from information_schema.tables
        where table_catalog = 'player_db' and table_schema = 'main'
    ),

    moved as (
        select table_name
        from player_relations
        where false
        {%- for table_name in var('moved_tables') %}
            union all
            select {{ sql_string(table_name) }} as table_name
        {%- endfor %}
    ),

    not_views as (
        select
            moved.table_name || ' is '
            || coalesce(lower(player_relations.table_type), 'missing') || ', not a view' as problem
        from moved
        left join player_relations
            on moved.table_name = player_relations.table_name
        where player_relations.table_type is distinct from 'VIEW'
    )

    select * from not_views

{%- endif %}
