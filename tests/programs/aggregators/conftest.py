import pytest

from mopa.programs.aggregators.base import Context
from mopa.programs.config import ProgramConfig
from mopa.tasks import get_task


@pytest.fixture
def context():
    """A review's context for an aggregator: ``context(profile, query, user_words, task_input,
    **config)``."""
    def make(profile="", query="Rating: 5.0.", user_words=None, task_input=None, **config):
        program = ProgramConfig("rag-mopa", **config)
        return Context(profile, query, program, get_task(program.task), user_words, task_input)
    return make
