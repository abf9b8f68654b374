{{ config(materialized='view') }}

-- The read layer's match_participants (Parquet, written after each publish): the roster of
-- every match, once per match (not once per player who has it), with every column of the
-- warehouse's table (a compatibility view selects the v4 columns its DB had).
-- partition_month is the registry's month of the match: the file the row goes to.
with participants as (
    select * from {{ ref('match_participants') }}
),

registry as (
    select * from {{ ref('match_registry') }}
),

layer_rows as (
    select
        {{ read_layer_partition('registry') }} as partition_month,
        roster.*
    from participants as roster
    inner join registry
        on roster.match_id = registry.match_id
)

select * from layer_rows
