"""Speed measurements of ``course_lib`` (run them from the repository root).

* ``python -m benchmarks.step``: one training step (forward, backward, Adam
  update) of ``FullyConnectedNet`` against the same network in PyTorch on the
  CPU, and against the step's matrix products alone (the GEMM floor).

Results and the commands that produced them are recorded in ``BENCHMARKS.md``.
"""
