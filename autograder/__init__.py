"""Build, release and grade the course with nbgrader: ``tdn --help`` (``python -m autograder`` also works)."""
