"""Migration benchmark (`make bench`): see shared_matches.bench.run, or run with --help."""

import sys

from shared_matches.bench.run import main

if __name__ == "__main__":
    sys.exit(main())
