{#-
    The raw_json of a highlight event rebuilt from its columns, exactly as a player DB stores it
    (the decoded event as one JSON object: xuid as a number, gamertag, type_hint, is_medal,
    event_type, time_ms, medal_value, medal_name, in that order, no spaces). The warehouse keeps
    a copy's own raw_json only where it differs from this; the compatibility view and the read
    path put the rebuilt one everywhere else.
-#}
{% macro event_raw_json(relation) %}
    {{- return(
        "cast(json_object('xuid', try_cast(" ~ relation ~ ".xuid as bigint), "
        ~ "'gamertag', " ~ relation ~ ".gamertag, "
        ~ "'type_hint', " ~ relation ~ ".type_hint, "
        ~ "'is_medal', " ~ relation ~ ".is_medal, "
        ~ "'event_type', " ~ relation ~ ".event_type, "
        ~ "'time_ms', " ~ relation ~ ".time_ms, "
        ~ "'medal_value', " ~ relation ~ ".medal_value, "
        ~ "'medal_name', " ~ relation ~ ".medal_name) as varchar)"
    ) -}}
{% endmacro %}
