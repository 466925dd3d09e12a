"""Tool-level progress of running workers: their pod logs followed, each tool call
relayed (rate-limited) to the task's Redis log list and to Events on the task."""
