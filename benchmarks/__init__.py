"""Speed of the real bot against the sandbox emulator, next to a stock python-telegram-bot bot.

``python -m benchmarks`` runs each scenario and prints one table of figures, references measured
in the same run, and targets marked met or missed; nothing is asserted. One module per scenario
(:mod:`~benchmarks.dialogue`, :mod:`~benchmarks.no_round_trip`, :mod:`~benchmarks.burst`,
:mod:`~benchmarks.broadcast`, :mod:`~benchmarks.opt_in`, :mod:`~benchmarks.intake`,
:mod:`~benchmarks.matching`, :mod:`~benchmarks.answers`, :mod:`~benchmarks.memory`,
:mod:`~benchmarks.growth`); shared are the bots under test (:mod:`~benchmarks.runs`, with the stock
reference bot in :mod:`~benchmarks.stock`), the people in the emulator (:mod:`~benchmarks.people`),
bulk history (:mod:`~benchmarks.seeding`), the stage timers (:mod:`~benchmarks.stages`) and the
table (:mod:`~benchmarks.table`).
"""
