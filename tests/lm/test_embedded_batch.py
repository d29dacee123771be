"""Concurrent calls to the real embedded model share batches (run: -m embedded)."""

import re
import threading

import dspy
import pytest

from mopa.lm import embedded_lm

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def model_path():
    pytest.importorskip("llama_cpp", reason="llama_cpp is not installed")
    from mopa.lm.embedded import default_model_path

    try:
        return default_model_path()
    except (ImportError, OSError) as exc:
        pytest.skip(f"the Gemma-3-270M GGUF is unavailable: {exc}")


def _at_once(calls):
    """Run the zero-argument calls in threads started together; results in order."""
    results, errors = [None] * len(calls), []
    barrier = threading.Barrier(len(calls))

    def work(i):
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    return results


def test_eight_threads_each_get_the_continuation_of_their_own_prompt(model_path):
    lm = embedded_lm(temperature=0.0, max_tokens=8, cache=False)
    starts = [10 * i + 3 for i in range(1, 9)]  # 13, 23, ... 83: a distinct count per thread
    prompts = [f"Counting up by one: {s}, {s + 1}, {s + 2}, {s + 3}," for s in starts]
    outputs = _at_once([lambda p=p: lm(p)[0] for p in prompts])
    for start, output in zip(starts, outputs, strict=True):
        first = re.search(r"\d+", output)
        assert first and int(first.group()) == start + 4, (start, output)
    assert len(lm.history) == 8
    for entry, prompt in zip(sorted(lm.history, key=lambda e: e["prompt"]), sorted(prompts),
                             strict=True):
        assert entry["prompt"] == prompt
        assert 0 < entry["usage"]["completion_tokens"] <= 8
        assert entry["usage"]["prompt_tokens"] > 10


def test_one_prompt_with_different_seeds_gives_distinct_samples(model_path):
    lm = embedded_lm(temperature=1.0, max_tokens=24, cache=False)
    prompt = ("My review of the guitar strap I bought last month for my old acoustic guitar: "
              "the best thing about it is")
    samples = _at_once([lambda s=s: lm(prompt, seed=s)[0] for s in range(1, 5)])
    assert len(set(samples)) == 4, samples
    # the later ones copied the shared prompt from the first instead of reading it again
    cached = sorted(e["response"].provider_data["prompt_cached_tokens"] for e in lm.history)
    assert cached[-1] > 0


def test_a_fixed_seed_reproduces_in_the_same_batches(model_path):
    """Two fresh models (distinct n_ctx) compute the call in the same batches."""
    from mopa.lm.embedded import LlamaCppEngine

    prompt = "Last week I bought a ukulele, and"
    samples = []
    for n_ctx in (1000, 1001):
        lm = dspy.LM(f"local/gemma-{n_ctx}", model_type="text", temperature=1.0, max_tokens=24,
                     cache=False, engine=LlamaCppEngine(model_path, n_ctx=n_ctx))
        samples.append((lm(prompt, seed=11)[0], lm(prompt, seed=12)[0]))
    assert samples[0] == samples[1]
    assert samples[0][0] != samples[0][1]


def test_a_call_alone_samples_what_llama_cpp_python_samples(model_path):
    """Same sampler chain and seed as `Llama.create_completion`, the engine's former path, and
    the same numbers when the context holds nothing else (a fresh model: its own n_ctx)."""
    from mopa.lm.embedded import LlamaCppEngine

    engine = LlamaCppEngine(model_path, n_ctx=1002)
    lm = dspy.LM("local/gemma-1002", model_type="text", temperature=0.8, max_tokens=20,
                 cache=False, engine=engine)
    prompt = "My drum teacher always says that"
    ours = lm(prompt, seed=5)[0]
    loaded = engine.model()
    with loaded.lock:
        out = loaded.llama.create_completion(prompt, max_tokens=20, temperature=0.8, seed=5)
    assert ours == out["choices"][0]["text"]


def test_a_sequence_never_sees_another_sequences_tokens(model_path):
    """Decoded side by side with another sequence, a sequence's logits do not depend on what
    that sequence holds (only the cache layout may change the rounding, so it is kept)."""
    import llama_cpp
    import numpy as np

    from mopa.lm.embedded import load_model
    from mopa.lm.llama_batch import LlamaBatchBackend

    llama = load_model(model_path).llama
    mine = llama.tokenize(b"My new capo clamps quickly and holds the strings tight, so")
    runs = []
    for other in (b"Cooking pasta: boil the water, add salt, then",
                  b"The train to Berlin leaves at nine and arrives"):
        theirs = llama.tokenize(other)[:10]
        assert len(theirs) == 10
        backend = LlamaBatchBackend(llama, 2, 256, llama.context_params.n_threads, n_batch=32)
        backend.decode(theirs[:5], list(range(5)), [1] * 5, [False] * 5)
        backend.decode(mine, list(range(len(mine))), [0] * len(mine),
                       [False] * (len(mine) - 1) + [True])
        rows, index = [], -1  # first the prompt's last token, then row 0 of each step
        for k in range(5):  # one token of each sequence per step, logits for both
            row = llama_cpp.llama_get_logits_ith(backend.ctx, index)
            rows.append(np.ctypeslib.as_array(row, shape=(llama.n_vocab(),)).copy())
            backend.decode([int(rows[-1].argmax()), theirs[5 + k]], [len(mine) + k, 5 + k],
                           [0, 1], [True, True])
            index = 0
        runs.append(rows)
    assert all(np.array_equal(a, b) for a, b in zip(*runs, strict=True))
