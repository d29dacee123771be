"""The three LongLaMP tasks as data.

Everything that differs between product reviews, paper abstracts and Reddit posts lives in this
one table: the dataset's field names, how the official benchmark builds BM25 documents and
queries, and the words the prompts use for the text and its writer. Code elsewhere looks a task up
here instead of branching on its name.
"""

from __future__ import annotations

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
    # How one retrieved item is shown to an LM.
    display_template: str
    # Prompt vocabulary: "a personalized {text_noun}", "past {short_noun}s",
    # "the {writer_noun}", "the following {subject_noun}", "{query_label}: ...".
    text_noun: str
    short_noun: str
    writer_noun: str
    subject_noun: str
    query_label: str

    def wording(self) -> dict[str, str]:
        return {
            "text_noun": self.text_noun,
            "short_noun": self.short_noun,
            "writer_noun": self.writer_noun,
            "subject_noun": self.subject_noun,
            "query_label": self.query_label,
        }

    def document(self, item: dict) -> str:
        return self.document_template.format(**{f: item.get(f, "") for f in self.profile_fields})

    def display(self, item: dict) -> str:
        return self.display_template.format(**{f: item.get(f, "") for f in self.profile_fields})

    def query(self, input_text: str) -> str:
        if self.query_after and self.query_after in input_text:
            return input_text.split(self.query_after, 1)[1].strip()
        return input_text


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
            display_template='Rating: {overall}. Summary: "{summary}". Review: {reviewText}',
            text_noun="product review",
            short_noun="review",
            writer_noun="reviewer",
            subject_noun="product",
            query_label="Product information",
        ),
        Task(
            name="abstract_generation",
            user_field="name",
            profile_fields=("title", "abstract", "year", "id"),
            document_template="{title} {abstract}",
            query_after="items:",
            text_field="abstract",
            display_template='Title: "{title}". Abstract: {abstract}',
            text_noun="paper abstract",
            short_noun="abstract",
            writer_noun="author",
            subject_noun="paper",
            query_label="Paper title and keywords",
        ),
        Task(
            name="topic_writing",
            user_field="author",
            profile_fields=("summary", "content", "author", "id"),
            document_template="{summary} {content}",
            query_after=None,
            text_field="content",
            display_template='Topic: "{summary}". Post: {content}',
            text_noun="Reddit post",
            short_noun="post",
            writer_noun="author",
            subject_noun="topic",
            query_label="Post topic",
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
