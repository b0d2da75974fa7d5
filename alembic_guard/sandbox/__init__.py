"""Sandboxes: throwaway databases and the round trip that runs migrations in them.

This package is the only place (with `runtime` and the `--import` probes) that executes the
analysed project's code or touches a database.
"""
