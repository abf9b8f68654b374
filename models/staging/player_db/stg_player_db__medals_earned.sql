with source_rows as (
    {{ select_player_table('medals_earned') }}
)

select * from source_rows
