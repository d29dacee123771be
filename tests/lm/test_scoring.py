"""Prefill-only log-probabilities from the real embedded model (run: -m embedded)."""

import numpy as np
import pytest

pytestmark = pytest.mark.embedded

CONTEXT = "Past reviews by this reviewer:\nReview: These strings stay in tune for weeks.\nReview:"
TEXT = " This capo clamps quickly and holds the strings tight."


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("llama_cpp", reason="llama_cpp is not installed")
    from mopa.lm.embedded import default_model_path, load_model

    try:
        path = default_model_path()
    except (ImportError, OSError) as exc:
        pytest.skip(f"the Gemma-3-270M GGUF is unavailable: {exc}")
    return load_model(path, n_ctx=512, n_threads=1)


def _slow_logprobs(loaded, context: str, text: str) -> list[float]:
    """One token per decode through Llama.eval, reading the last token's logits each time."""
    import llama_cpp

    llama = loaded.llama
    ctx_ids = llama.tokenize(context.encode(), add_bos=True, special=False)
    text_ids = llama.tokenize(text.encode(), add_bos=False, special=False)
    full = ctx_ids + text_ids
    out = []
    with loaded.lock:
        llama.reset()
        for i, token in enumerate(full[:-1]):
            llama.eval([token])
            if i >= len(ctx_ids) - 1:
                logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llama._ctx.ctx, -1),
                                               shape=(llama.n_vocab(),)).astype(np.float64)
                shifted = logits - logits.max()
                out.append(shifted[full[i + 1]] - np.log(np.exp(shifted).sum()))
        llama.reset()
    return out


def test_matches_token_by_token_decoding(model):
    from mopa.lm.scoring import count_tokens, token_logprobs

    slow = _slow_logprobs(model, CONTEXT, TEXT)
    # Same decoding schedule (one token per call): positions, targets and softmax are exact.
    one_by_one = token_logprobs(model, CONTEXT, TEXT, max_batch=1)
    assert len(one_by_one) == len(slow) == count_tokens(model, TEXT)
    assert np.allclose(one_by_one, slow, atol=1e-3), np.abs(np.subtract(one_by_one, slow)).max()
    # One prefill pass: llama.cpp's batched kernels round differently (measured up to 0.14 per
    # token here, 0.03 on the mean), which is noise next to the gaps between drafts.
    fast = token_logprobs(model, CONTEXT, TEXT)
    assert np.allclose(fast, slow, atol=0.5)
    assert abs(np.mean(fast) - np.mean(slow)) < 0.1
    # scoring again reuses the cached context and gives the same numbers
    assert np.allclose(token_logprobs(model, CONTEXT, TEXT), fast, atol=1e-4)


def test_fluent_text_beats_its_word_shuffle(model):
    from mopa.lm.scoring import token_logprobs

    words = TEXT.split()
    shuffled = " " + " ".join(words[i] for i in np.random.default_rng(0).permutation(len(words)))
    assert shuffled != TEXT
    fluent = np.mean(token_logprobs(model, CONTEXT, TEXT))
    assert fluent > np.mean(token_logprobs(model, CONTEXT, shuffled)) + 0.5


def test_generation_still_works_after_scoring(model):
    from mopa.lm.scoring import token_logprobs

    llama = model.llama
    prompt = CONTEXT
    with model.lock:
        before = llama.create_completion(prompt, max_tokens=12, temperature=0.0)
    token_logprobs(model, "An unrelated context about cooking pasta.\nRecipe:", " Boil water.")
    token_logprobs(model, CONTEXT, TEXT)  # leaves the prompt's prefix in the cache
    with model.lock:
        after = llama.create_completion(prompt, max_tokens=12, temperature=0.0)
    assert after["choices"][0]["text"] == before["choices"][0]["text"]
    assert after["choices"][0]["text"].strip()
