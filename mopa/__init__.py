"""MoPA: personalized long-form text generation with DSPy programs, evaluated on LongLaMP.

This folder holds what every part uses: the tasks as data (``tasks``), examples and where they
come from (``data``, ``jsonl``, ``splits``, ``data_stats``), what a program sees of an example
(``retrieval``, ``program_inputs``, ``length``), compiled programs on disk (``program_files``)
and the command line (``cli``, with ``flags`` generating its flags from settings dataclasses);
and three subpackages: ``mopa.lm`` (the LMs), ``mopa.scoring`` (metrics, cleaning, intervals)
and ``mopa.runs`` (settings, running, run directories, metering, MLflow). Four more subpackages
are top-level folders that pyproject.toml's ``package-dir`` installs inside this one:
``programs/`` as ``mopa.programs``, ``signatures/`` as ``mopa.signatures``, ``optimizers/`` as
``mopa.optimizers`` and ``experiments/`` as ``mopa.experiments``.
"""
