"""Speed measurements of the course (run them from the repository root).

* ``python -m benchmarks.step``: one training step (forward, backward, Adam
  update) of ``course_lib``'s ``FullyConnectedNet`` against the same network in
  PyTorch on the CPU, and against the step's matrix products alone (the GEMM
  floor).
* ``python -m benchmarks.notebooks``: execution time of every instructor notebook.
* ``python -m benchmarks.grading``: how fast a class is graded.

Results and the commands that produced them are recorded in ``BENCHMARKS.md``.
"""
