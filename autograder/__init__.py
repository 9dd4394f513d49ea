"""Build, release and grade the course with nbgrader: ``python -m autograder --help``."""
