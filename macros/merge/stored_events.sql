{#-
    The highlight events already in the warehouse (the columns a merge compares), read by name
    since highlight_events itself depends on the model that uses this; an empty relation
    before the first merge, and with --vars '{reprocess: true}' (every copy is then keyed and
    merged again).
-#}
{% macro stored_events() -%}
    {{ shared_table_by_name('highlight_events', {
        'match_id': 'varchar',
        'event_type': 'varchar',
        'time_ms': 'integer',
        'xuid': 'varchar',
        'type_hint': 'integer',
        'medal_value': 'integer',
        'gamertag': 'varchar',
        'is_medal': 'boolean',
        'medal_name': 'varchar',
        'raw_json': 'varchar',
    }, when=not var('reprocess')) }}
{%- endmacro %}
