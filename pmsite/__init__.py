"""pmsite: a static site generator for product teams' goals, releases and reflections."""

__version__ = "0.7.0"

# Who a site or an item is for (``--audience`` and the ``audience`` field); here rather
# than in model.py so that the command line starts without loading the model.
AUDIENCES = ("public", "internal")

# The environment variable that sets the size limit of a content file (content.py); here
# so that the no-op check in build.py can count it as a setting without loading content.
MAX_FILE_ENV = "PMSITE_MAX_FILE_MB"
