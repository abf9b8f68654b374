"""The command line: one module per sub-command of `shared-matches`, each with
``register(subparsers)`` (its sub-parser, options and help) and ``run(args)`` (reads the
options, calls the domain modules, prints, returns the exit code). The work itself lives in
the domain modules and packages (migrate, cleanup, sync, demo, report, ...)."""
