"""``reader``: one score for what a blind reader thinks of a text, combining the reader proxies.

A weighted sum of the standardized proxies, with weights fit on blind reader labels by a
pairwise (Bradley-Terry) model (``mopa.scoring.reader_fit``; refit and measured on held-out
items with ``bench/fit_reader.py``). Reported as sigmoid(w . z): the modelled chance that a
reader prefers the text to an average labelled candidate, so 0.5 is an average candidate and
higher is better. The weights and the proxies they combine are data, in ``weights.json``; a
proxy that needs the scoring LM makes ``reader`` need it too, and then not a default metric.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mopa.data import Example
from mopa.scoring.reader_fit import ReaderModel
from mopa.scoring.registry import Metric, get_metric, register

WEIGHTS_FILE = Path(__file__).with_name("weights.json")
# What bench/fit_reader.py combines unless told otherwise.
PROXIES = ("repetition", "leakage", "rating", "topic")


def load_model(path: Path = WEIGHTS_FILE) -> ReaderModel:
    try:
        return ReaderModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (KeyError, ValueError) as e:
        raise ValueError(f"{path}: not a reader model ({e}); rewrite it with "
                         "python bench/fit_reader.py --write") from None


MODEL = load_model()


def score(predictions: Sequence[str], examples: Sequence[Example], lm=None) -> list[float]:
    columns = [get_metric(name).score_batch(predictions, examples, lm=lm)
               for name in MODEL.features]
    combined = MODEL.score_rows(np.array(columns).T)
    return [float(v) for v in 1.0 / (1.0 + np.exp(-combined))]


METRIC = register(Metric(
    name="reader",
    label="Reader",
    score=score,
    description="the reader proxies combined with weights fit on blind labels: the modelled "
                "chance a reader prefers this text to an average candidate (0.5 = average)",
    higher_is_better=True,
    uses_reference=False,
    uses_profile=True,
    lm_role=MODEL.lm_role,
    # Shown beside the official metrics everywhere, unless it would need an LM a run may not
    # have (weights that combine fluency make it opt-in, with --scoring-lm).
    default=MODEL.lm_role is None,
))
