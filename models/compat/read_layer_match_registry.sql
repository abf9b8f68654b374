{{ config(materialized='view') }}

-- The read layer's match_registry (Parquet, written after each publish): one row per match,
-- every column of the warehouse's registry (the phase-4 read path adds the ones a player's
-- match_stats lacks). layer_file is the match's file (macro read_layer_partition).
with registry as (
    select * from {{ ref('match_registry') }}
),

layer_rows as (
    select
        {{ read_layer_partition('registry') }} as layer_file,
        registry.*
    from registry
)

select * from layer_rows
