"""pmsite: a static site generator for product teams' goals, releases and reflections."""

__version__ = "0.5.0"
