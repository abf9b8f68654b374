"""The fake Halo API now lives in the package (shared_matches.testing.fake_halo_api); this
module keeps the old import path working for the test modules that still use it."""

from shared_matches.testing.fake_halo_api import *  # noqa: F403
