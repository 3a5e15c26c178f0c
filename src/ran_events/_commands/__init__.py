"""The ``ran-events`` subcommands, one module each; :mod:`ran_events.cli` assembles them.

Each module defines ``add_parser(subparsers)`` (which sets ``run`` as the parser's default),
``run(args, console) -> int`` and, if the demo shows its capability, ``demo(state, console)``.
"""
