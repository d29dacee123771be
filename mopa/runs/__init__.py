"""Running programs over data and keeping what they produced: which examples, LMs and retrieval
a command uses (``settings``), ``mopa run`` itself (``runner``), a run's output directory
(``store``) with the predictions file it holds (``predictions``) and the version of the code
that wrote it (``code_version``), the LM calls and tokens each example spends (``metering``),
and logging to MLflow (``tracking``). The package itself imports nothing, so ``mopa --help``
pays for none of it.
"""
