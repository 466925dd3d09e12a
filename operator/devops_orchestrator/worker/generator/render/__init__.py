"""Renderers: pure functions from a `Stack` (and the briefing's hints) to file contents."""
