"""The benchmark scripts, importable as modules (``benchmarks.gpu_check``, ...) with the repository root on ``sys.path``."""
