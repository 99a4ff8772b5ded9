"""Guest of the ``reactor`` world (tests/components/wit/kitchen.wit): the kitchen's ``values``
and ``objects`` interfaces and nothing imported but WASI, so that ``wt-wasm run --invoke``
can call them."""

import wit_world

from echo import Objects, Values  # noqa: F401 - componentize-py finds the interfaces' classes here


class WitWorld(wit_world.WitWorld):
    def version(self) -> str:
        return "reactor 0.1.0"
