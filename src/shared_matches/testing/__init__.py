"""Test support shipped with the package: a local stand-in for the Halo Infinite API
(``fake_halo_api``), used by the test suite and the sync benchmark."""
