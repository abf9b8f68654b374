{{ config(materialized='ephemeral', tags=['phase5']) }}

-- The compatibility view `xuid_aliases` of a cleaned player DB: every alias the warehouse
-- knows (the latest gamertag of each xuid), with exactly the columns and types the dropped
-- table had. `shared-matches cleanup` compiles this model and creates the view in the
-- transaction that drops the table (dbt never builds it).
with aliases as (
    select * from {{ ref('v4_xuid_aliases') }}
),

aliases_in_original_columns as (
    select
        {{ compat_select('xuid_aliases', 'aliases') }}
    from aliases
)

select * from aliases_in_original_columns
