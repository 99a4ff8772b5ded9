"""The ``counter`` resource of the ``objects`` interface (componentize-py finds exported
resources in a module named after their interface)."""

from typing import Self

from wit_world.exports import objects


class Counter(objects.Counter):
    def __init__(self, start: int) -> None:
        self.value = start

    def increment(self, by: int) -> int:
        self.value += by
        return self.value

    def get(self) -> int:
        return self.value

    @classmethod
    def make(cls, n: int) -> Self:
        return cls(n)
