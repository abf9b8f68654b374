{#- The medal value of a highlight event, read from its raw_json (part of its signature). -#}
{% macro raw_json_medal_value(raw_json) %}
    {{- return("try_cast(json_extract_string(" ~ raw_json ~ ", '$.medal_value') as integer)") -}}
{% endmacro %}
