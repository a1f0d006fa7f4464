"""Shared runtime support for the course: quiet Trax import, JAX compatibility fixes, paths."""
