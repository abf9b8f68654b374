with source_rows as (
    {{ select_player_table('match_stats') }}
)

select * from source_rows
