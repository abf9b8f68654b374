"""Sync benchmark (`make bench`): the plan's four players synced with and without the
warehouse against the local fake Halo API. Options: --matches-per-player N, --full, --keep.
The logic lives in shared_matches.sync.benchmark."""

import sys

from shared_matches.sync.benchmark import main

if __name__ == "__main__":
    sys.exit(main())
