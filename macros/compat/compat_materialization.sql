{#-
    Compatibility views are written only by the compat target (player DB attached read-write).
    Elsewhere the models are ephemeral: they stay in the lineage but are never built, so a
    plain `dbt build` on the default target cannot touch a player DB.
-#}
{% macro compat_materialization() %}
    {{- return('view' if target.name == 'compat' else 'ephemeral') -}}
{% endmacro %}
