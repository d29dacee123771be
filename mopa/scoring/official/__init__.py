"""The benchmark's own metrics, one registered ``Metric`` each (see ``mopa.scoring.registry``)."""
