{{
    config(
        materialized=compat_materialization(),
        database=compat_player_catalog(),
        pre_hook="{{ compat_refuse_table_replacement() }}",
        alias='xuid_aliases',
    )
}}

-- Compatibility view written into the player DB in place of its dropped xuid_aliases: every
-- alias the warehouse knows (the latest gamertag of each xuid), in the original columns.
{%- set original_columns = compat_original_columns('xuid_aliases') %}

with shared_aliases as (
    select * from {{ ref('xuid_aliases') }}
),

aliases_in_original_columns as (
    select
        {{ compat_column_list(original_columns, 'shared_aliases', ref('xuid_aliases')) }}
    from shared_aliases
)

select * from aliases_in_original_columns
