"""Prompt optimization and structure search: ``mopa compile`` (``compile``, its scores in
``compile_scores``, metrics with feedback for DSPy optimizers in ``feedback``), ``mopa tune``
(the space in ``search_space`` and ``dimensions``, the shared Optuna study in ``study``,
``tune``), ``mopa report`` (``report``, ``report_plots``), held-out test examples (``holdout``)
and these commands' settings (``settings``).

Installed as ``mopa.optimizers`` (pyproject.toml maps the top-level ``optimizers/`` folder
there).
"""
