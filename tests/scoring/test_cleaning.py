"""Each cleaning rule on the kind of text LMs actually produce, and `clean_text` as a whole."""

import pytest

from mopa.scoring import cleaning
from mopa.scoring.cleaning import RULES, clean_text

PROSE = [
    "Strings. They stay in tune after a day of bending. Paid $14 for three sets.",
    "Crispy fries with barely any oil, are you kidding me?! I love love love this air fryer!",
    "Here's the thing: my dog hates the vacuum.\n\nShe hides under the bed for an hour.",
    "We prove that a greedy algorithm is 1/2-competitive (and that x < y > z holds) in 2010.",
    "Note: this was my first guitar, so take my opinion with a grain of salt.",
    "direction - of - arrival ( doa ) estimation with fewer sensors than sources , 41 % .",
    "I had had enough. It was very very cold. 5 * 3 * 2 = 30.",
]


def test_rules_are_listed_in_application_order():
    expected = (
        cleaning.strip_html,
        cleaning.strip_markdown,
        cleaning.strip_final_marker,
        cleaning.strip_lead_in,
        cleaning.strip_trailing_notes,
        cleaning.cut_at_new_record,
        cleaning.collapse_repeated_phrases,
        cleaning.drop_repeated_sentences,
        cleaning.normalize_whitespace,
    )
    assert expected == RULES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>Great strings &amp; fast shipping.</p>", "Great strings & fast shipping.\n"),
        ("Solid<br/>tuner", "Solid\ntuner"),
        ("<div class='r'>Tone is <b>warm</b>.</div>", "Tone is warm.\n"),
        ("&lt;i&gt;quiet&lt;/i&gt; pedal", "quiet pedal"),
        ("<style>p {color: red}</style>Nice.", "Nice."),
        ("x < y and z > w, I <3 it", "x < y and z > w, I <3 it"),
    ],
)
def test_strip_html(raw, expected):
    assert cleaning.strip_html(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("## The verdict\nGood.", "The verdict\nGood."),
        ("**Great** tuner, *really* accurate, __fast__.", "Great tuner, really accurate, fast."),
        ("- holds tune\n* cheap\n2) loud", "holds tune\ncheap\nloud"),
        ("1. First point.\n2010 was a good year.", "First point.\n2010 was a good year."),
        ("Use `git pull` daily.", "Use git pull daily."),
        ("```text\nThe review.\n```", "\nThe review.\n"),
        ("See [the manual](https://example.org/m) first.", "See the manual first."),
        ("> quoted line", "quoted line"),
        ("***Wow***", "Wow"),
    ],
)
def test_strip_markdown(raw, expected):
    assert cleaning.strip_markdown(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Final answer: The capo works.", "The capo works."),
        ("The user likes price. Final Answer:\nCheap and good.", "Cheap and good."),
        ("Draft one.\nFinal response: Draft two.", "Draft two."),
        ("Thinking...\nFinal draft\nThe strap holds.", "The strap holds."),
        ("Good amp. Final answer:", "Good amp."),
        ("My final review of the pedal is positive.", "My final review of the pedal is positive."),
    ],
)
def test_strip_final_marker(raw, expected):
    assert cleaning.strip_final_marker(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Here is the review:\nThe pedal is quiet.", "The pedal is quiet."),
        ("Sure! Here's a merged draft:\n\nThe pedal is quiet.", "The pedal is quiet."),
        ("Certainly. Here is a refined abstract: We study X.", "We study X."),
        ("Review: Cheap and loud.", "Cheap and loud."),
        ("Answer: Review: Cheap.", "Cheap."),
        ("Merged draft 2: It works.", "It works."),
        ("Sure!\nReddit post:\nMy cat hates Mondays.", "My cat hates Mondays."),
        ("Okay, let me write the review.\nNice amp.", "Nice amp."),
        ("Abstract\nWe prove a bound.", "We prove a bound."),
        ("Here's the thing: my dog hates it.", "Here's the thing: my dog hates it."),
        ("I will write to my landlord tomorrow.", "I will write to my landlord tomorrow."),
        ("Sure!", "Sure!"),
        ("Here is the review:", ""),
    ],
)
def test_strip_lead_in(raw, expected):
    assert cleaning.strip_lead_in(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Good strap.\nNote: I kept the reviewer's tone.", "Good strap."),
        ("Good strap.\n\n(Note: rating preserved.)\n", "Good strap."),
        ("Good strap. (Note: I kept it short.)", "Good strap."),
        ("Good strap.\n\nExplanation: I merged the drafts.\nIt was hard.", "Good strap."),
        ("Good.\nNotes:\nkept tone\nadded price", "Good."),
        ("Good.\nLet me know if you'd like changes!", "Good."),
        ("Good.\nWord count: 12", "Good."),
        ("Note: my first guitar.", "Note: my first guitar."),
        ("Note: my first guitar.\nIt is great.", "Note: my first guitar.\nIt is great."),
    ],
)
def test_strip_trailing_notes(raw, expected):
    assert cleaning.strip_trailing_notes(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("great great great great strap", "great strap"),
        ("It is great, it is great, it is great. I love it.", "It is great. I love it."),
        ("I love this guitar I love this guitar so much.", "I love this guitar so much."),
        ("so so so so so good\nnext line", "so good\nnext line"),
        ("great, great, great, great.", "great."),
        ("I love love love it and had had enough", "I love love love it and had had enough"),
        (
            "used from coast to coast to coast to coast.",
            "used from coast to coast to coast to coast.",
        ),
    ],
)
def test_collapse_repeated_phrases(raw, expected):
    assert cleaning.collapse_repeated_phrases(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The strap is fine. The strap is fine. Good.", "The strap is fine. Good."),
        ("It works!\nIT  WORKS!\nBuy it.", "It works!\nBuy it."),
        ("Too loud. Quiet. too LOUD!", "Too loud. Quiet."),
        ("Well... it hums. Well... it works.", "Well... it hums. Well... it works."),
        ("One. Two. Three.", "One. Two. Three."),
    ],
)
def test_drop_repeated_sentences(raw, expected):
    assert cleaning.drop_repeated_sentences(raw) == expected


def test_normalize_whitespace():
    raw = "  Good\u200b  strap.\t Holds\r\n\r\n\r\n\n  tune.  "
    assert cleaning.normalize_whitespace(raw) == "Good strap. Holds\n\ntune."


def test_clean_text_on_a_chatty_aggregator_answer():
    raw = (
        "Sure! Here's a merged draft:\n\n"
        "**Review:** The <b>capo</b> is cheap &amp; solid. The capo is cheap & solid.\n"
        "- Worth it at $9.\n\n"
        "(Note: I kept the reviewer's terse style.)"
    )
    assert clean_text(raw) == "The capo is cheap & solid.\nWorth it at $9."


def test_clean_text_on_a_looping_base_model():
    raw = "Review: Great pedal great pedal great pedal great pedal. Great pedal."
    assert clean_text(raw) == "Great pedal."


def test_clean_text_with_a_subset_of_rules():
    raw = "Final answer: **Loud.**"
    assert clean_text(raw, rules=(cleaning.strip_markdown,)) == "Final answer: Loud."


@pytest.mark.parametrize("text", PROSE)
def test_clean_text_leaves_ordinary_prose_unchanged(text):
    assert clean_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        *PROSE,
        "Final answer: 1. **Great**\n\n\n- strap",
        "&amp;lt;b&amp;gt;x &amp;lt;/b&amp;gt; Sure!\nHere is the review:\nReview: a a a a b",
        "Here is the review: Note: fine. Good. Good. good\n(Note: y)",
        "***x*** Final response: ```\nThe end. The end.\n```",
    ],
)
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


@pytest.mark.parametrize("text", ["Final answer:", "Here is the review:", "  \n "])
def test_only_labels_become_empty(text):
    assert clean_text(text) == ""


def test_cut_at_new_record_drops_a_run_on_into_the_next_record():
    from mopa.scoring.cleaning import cut_at_new_record

    text = "Great pedal, quiet and warm.\nRating: 5.0. Summary: Great.\nReview: more"
    assert cut_at_new_record(text) == "Great pedal, quiet and warm."
    assert cut_at_new_record("Solid build.\n[3] Title: other paper") == "Solid build."
    assert cut_at_new_record("Rating: 5.0. Summary: Meh.") == "Rating: 5.0. Summary: Meh."
    prose = "My rating: five stars.\nThe summary: buy it."
    assert cut_at_new_record(prose) == prose
    assert clean_text(text) == "Great pedal, quiet and warm."
