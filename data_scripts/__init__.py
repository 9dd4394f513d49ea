"""Scripts that fetch, check and cache real data sets, or generate synthetic ones.

Nothing here runs at import time, and nothing in ``course_lib`` needs it: the
course works offline with the digits that ship with scikit-learn. Run a script
as a module from the repository root, e.g. ``python -m data_scripts.fetch_mnist``.
"""
