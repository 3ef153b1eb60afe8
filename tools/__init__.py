"""The command-line tools, importable as modules (``tools.train``, ...) with the repository root on ``sys.path``."""
