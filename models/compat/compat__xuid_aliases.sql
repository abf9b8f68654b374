{{ config(materialized='ephemeral', tags=['phase5']) }}

-- The compatibility view `xuid_aliases` of a cleaned player DB: every alias the warehouse
-- knows (the latest gamertag of each xuid), read from the read layer's Parquet file by
-- absolute path (no ATTACH, no lock on the warehouse), with exactly the columns and types the
-- dropped table had. `shared-matches cleanup` compiles this model and creates the view in the
-- transaction that drops the table (dbt never builds it).
with layer_aliases as (
    select * from {{ read_layer_files('xuid_aliases') }}
),

aliases_in_original_columns as (
    select
        {{ compat_select('xuid_aliases', 'layer_aliases') }}
    from layer_aliases
)

select * from aliases_in_original_columns
