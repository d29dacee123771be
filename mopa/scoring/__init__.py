"""Scoring, as the LongLaMP benchmark does it: ROUGE-1/ROUGE-L/METEOR with the official
settings (``metrics``; ``meteor`` is NLTK's METEOR, bit-identical and faster, on WordNet and
punkt_tab data that ``nltk_data`` makes available offline), the rules that clean generated text
before it is scored (``cleaning``), confidence intervals and paired tests (``intervals``), and
the one path from a run's outputs to per-example scores and summaries (``run_scores``), which
``mopa evaluate`` (``evaluate``) takes for a predictions file. The package itself imports
nothing, so ``mopa --help`` pays for none of it.
"""
