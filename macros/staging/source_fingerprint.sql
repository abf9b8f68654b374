{#-
    The fingerprint of the attached player DB's content, as the command computed it before the
    run (HALO_SOURCE_FINGERPRINT); merged_sources records it with the published rows. Empty for
    plain dbt (the next `shared-matches migrate` then merges that player again).
-#}
{% macro source_fingerprint() %}
    {{- return(env_var('HALO_SOURCE_FINGERPRINT', '')) -}}
{% endmacro %}
