"""The centre: the central PostgreSQL schema, its SQL functions, and tools to run it.

- ``models``: the central schema (its own ``DeclarativeBase``); migrations in
  ``storage/migrations/central``.
- ``sql/``: roles, grants, row-level security and the ``SECURITY DEFINER`` sync functions,
  run by the migration revision they are named after.
- ``admin``: databases, terminal roles, the permission matrix, change-log retention.
- ``load``: loading the centre's register from a local store.
- ``cluster``: a throwaway PostgreSQL cluster for tests, the migration check and benchmarks.

The design: docs/SYNC.md.
"""
