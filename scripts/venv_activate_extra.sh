
# --- added by `make venv`: plain `dbt` works from anywhere with .venv active ---
export HALO_PROJECT_ROOT="@PROJECT_ROOT@"
export DBT_PROJECT_DIR="@PROJECT_ROOT@"
export DBT_PROFILES_DIR="@PROJECT_ROOT@/profiles"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
