"""Shared test helpers (fixtures and checks used by several test modules)."""
