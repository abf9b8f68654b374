{{ config(materialized='view') }}

-- The read layer's match_participants (Parquet, written after each publish): the roster of
-- every match, once per match (not once per player who has it), with every column of the
-- warehouse's table (a compatibility view selects the v4 columns its DB had). layer_file is
-- the match's file (macro read_layer_partition).
with participants as (
    select * from {{ ref('match_participants') }}
),

layer_rows as (
    select
        {{ read_layer_partition('roster') }} as layer_file,
        roster.*
    from participants as roster
)

select * from layer_rows
