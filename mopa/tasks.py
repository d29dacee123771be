"""The three LongLaMP tasks as data.

Everything that differs between product reviews, paper abstracts and Reddit posts lives in this
one table: the dataset's field names, how the official benchmark builds BM25 documents and
queries, and the words the prompts use for the text and its writer. Code elsewhere looks a task up
here instead of branching on its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    name: str
    user_field: str
    profile_fields: tuple[str, ...]
    # Official LongLaMP BM25 document for one profile item (a str.format template).
    document_template: str
    # The official query is the whole input, or the text after this marker when it is present.
    query_after: str | None
    # The profile field holding the user's own writing (what `copy-latest` returns).
    text_field: str
    # The input is a fixed sentence template; its named groups are the new text's header fields.
    input_pattern: str
    # (label, field) pairs: how a text's context is shown, for profile items and the new text
    # alike, so a base model sees the new text's header in the same shape as the past ones.
    header_fields: tuple[tuple[str, str], ...]
    # Label of the text itself ("Review: ...").
    text_label: str
    # Prompt vocabulary: "a personalized {text_noun}", "past {short_noun}s",
    # "the {writer_noun}", "the following {subject_noun}".
    text_noun: str
    short_noun: str
    writer_noun: str
    subject_noun: str

    def wording(self) -> dict[str, str]:
        return {
            "text_noun": self.text_noun,
            "short_noun": self.short_noun,
            "writer_noun": self.writer_noun,
            "subject_noun": self.subject_noun,
            "text_label": self.text_label,
        }

    def document(self, item: dict) -> str:
        return self.document_template.format(**{f: item.get(f, "") for f in self.profile_fields})

    def query(self, input_text: str) -> str:
        """The BM25 query. With nothing after the marker (an abstract without keywords, 43 of
        the 90 real ones) the official query would be empty and every past text would tie;
        the sentence before the marker (it holds the title) is the query then."""
        if self.query_after and self.query_after in input_text:
            before, after = input_text.split(self.query_after, 1)
            return after.strip() or before.strip()
        return input_text

    def header(self, fields: dict) -> str:
        """``Rating: 5.0. Summary: Great pedal.`` -- empty fields are left out."""
        parts = [f"{label}: {str(fields[key]).strip()}" for label, key in self.header_fields
                 if str(fields.get(key, "")).strip()]
        return ". ".join(p.rstrip(".") for p in parts) + ("." if parts else "")

    def parse_input(self, input_text: str) -> dict[str, str] | None:
        match = re.search(self.input_pattern, input_text, flags=re.S)
        return match.groupdict() if match else None

    def describe_input(self, input_text: str) -> str:
        """The new text's header from the input sentence; the sentence itself if it is not in
        the usual template (custom data), so nothing is lost."""
        fields = self.parse_input(input_text)
        return self.header(fields) if fields else input_text

    def display(self, item: dict, max_words: int | None = None) -> str:
        """A profile item as the LM sees it: its header, then its text cut to max_words."""
        words = str(item.get(self.text_field, "")).split()
        text = " ".join(words if max_words is None else words[:max_words])
        head = self.header(item)
        return f"{head}\n{self.text_label}: {text}" if head else f"{self.text_label}: {text}"


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            name="product_review",
            user_field="reviewerId",
            profile_fields=("overall", "summary", "description", "reviewText"),
            document_template="{overall} {summary} {description} {reviewText}",
            query_after=None,
            text_field="reviewText",
            input_pattern=r'rating of "(?P<overall>[^"]*)" for a product with description '
                          r'"(?P<description>.*)"\. The summary of the review text is '
                          r'"(?P<summary>.*)"\.?\s*$',
            header_fields=(("Rating", "overall"), ("Product", "description"),
                           ("Summary", "summary")),
            text_label="Review",
            text_noun="product review",
            short_noun="review",
            writer_noun="reviewer",
            subject_noun="product",
        ),
        Task(
            name="abstract_generation",
            user_field="name",
            profile_fields=("title", "abstract", "year", "id"),
            document_template="{title} {abstract}",
            query_after="items:",
            text_field="abstract",
            input_pattern=r'abstract for the title "(?P<title>.*)" using the following '
                          r"items:\s*(?P<keywords>.*)$",
            header_fields=(("Title", "title"), ("Keywords", "keywords")),
            text_label="Abstract",
            text_noun="paper abstract",
            short_noun="abstract",
            writer_noun="author",
            subject_noun="paper",
        ),
        Task(
            name="topic_writing",
            user_field="author",
            profile_fields=("summary", "content", "author", "id"),
            document_template="{summary} {content}",
            query_after=None,
            text_field="content",
            input_pattern=r"content for a reddit post\s*(?P<summary>.*)$",
            header_fields=(("Topic", "summary"),),
            text_label="Post",
            text_noun="Reddit post",
            short_noun="post",
            writer_noun="author",
            subject_noun="topic",
        ),
    )
}

SETTINGS = ("user", "temporal")


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(
            f"unknown task {name!r}; expected one of: {', '.join(TASKS)}"
        ) from None


def infer_task(record: dict) -> Task | None:
    """The task whose user-id field a raw LongLaMP record carries, or None."""
    for task in TASKS.values():
        if task.user_field in record:
            return task
    return None
