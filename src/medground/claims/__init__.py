"""Claims: what a query says, as typed records, and an independent reader and checker.

- :mod:`.types`: the :class:`~.types.Claim` record;
- :mod:`.reader` (with :mod:`.names`, :mod:`.vocab`, :mod:`.rules`): free English to claims;
- :mod:`.measure`, :mod:`.truth`, :mod:`.bands`: every claim measured again from masks;
- :mod:`.evaluate`: does the query denote exactly its targets? :mod:`.compare`: do the claims a
  synthesizer meant equal those its text makes?

Nothing in this package imports a synthesizer (``medground.stages.synth``).
"""
