import pytest

DEFAULTS = ("rouge1", "rougeL", "meteor", "reader")


@pytest.fixture
def entry():
    """A results.json entry of a system, from per-example scores (the same for every default
    metric)."""
    def make(label, preset, scores, agents=0, layer_scores=(), command=None, system=None):
        made = {"label": label, "preset": preset, "agents": agents, "layers": 1,
                "n": len(scores), "failed": 0, "empty": 1,
                "per_example": {"lm_calls": 1.0, "prompt_tokens": 10, "completion_tokens": 5,
                                "seconds": 0.1},
                "run_dir": "x", "command": command,
                "scores": {m: list(scores) for m in DEFAULTS},
                "layer_scores": [{m: list(s) for m in DEFAULTS} for s in layer_scores]}
        if system is not None:
            made["system"] = system.record()
        return made
    return make
