"""Reading results back: the paper's numbers in the metafiles, and what finished runs left in their work dirs.

Used by ``tools/analysis_tools`` and the tests; ``import protuning_mm`` does not import this package.
"""
