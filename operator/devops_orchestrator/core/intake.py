"""What the bridge answers for an item it will not run. Pure.

- A rejected item gets `failed` in `results:{id}` only when its id is usable and the item
  is addressed to us (no `destination`, or ours); the write itself happens only where
  the hash is missing or `pending` (adapters.task_queue), never over a task another
  consumer took.
- A task id already taken by a different item is a reused id: that item is answered
  `failed` with `error: duplicate task_id` (re-running it could overwrite the first
  task's result under the same id, which its producer may still be reading).
- An item that a later stage refuses for good (the API server's validation, a Redis key
  of the wrong type) is dead-lettered with that reason, like a malformed one."""

from __future__ import annotations

import hashlib

from devops_orchestrator.core.task_message import DeadLetter

DUPLICATE_TASK_ID = "duplicate task_id"
MAX_REASON_CHARS = 500


def item_digest(raw: bytes) -> str:
    """Identifies one item string: the same item delivered again has the same digest."""
    return hashlib.sha256(raw).hexdigest()


def build_duplicate(task_id: str) -> DeadLetter:
    return DeadLetter(DUPLICATE_TASK_ID, task_id)


def build_unprocessable(reason: str, task_id: str | None) -> DeadLetter:
    """A well-formed item that failed later, for good."""
    text = " ".join(reason.split())
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 3] + "..."
    return DeadLetter(f"cannot be processed: {text}", task_id)


def answer_error(letter: DeadLetter) -> str:
    """The `error` field of the failed answer."""
    if letter.reason == DUPLICATE_TASK_ID:
        return DUPLICATE_TASK_ID
    return f"rejected: {letter.reason}"


def may_answer(letter: DeadLetter, domain: str) -> bool:
    """Whether the item's `results:{id}` is ours to answer at all."""
    return bool(letter.task_id) and letter.destination in (None, domain)
