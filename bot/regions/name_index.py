"""The table of name keys: which Gemeinden and Landkreise each normalised key names, and how.

Built once per registry; :mod:`bot.regions.search` looks queries up in it.
"""

from __future__ import annotations

from bot.regions.name_keys import KREIS_SUFFIX, KeyKind, short_forms, without_fillers
from bot.regions.registry import LANDKREIS, Gemeinde, RegionRegistry
from bot.regions.search_result import Place
from bot.regions.text import UMLAUTS_AE, UMLAUTS_PLAIN, fold, variants


class NameIndex:
    """Normalised name keys of all Gemeinden and Landkreise with the places they name.

    ``keys`` is sorted (for prefix lookups); ``gemeinde_keys`` are the keys a Gemeinde has (a
    Landkreis of the same name comes second); ``initials`` maps capital initials to the keys of
    the double names they stand for ("vs" → "villingen schwenningen").
    """

    def __init__(self, registry: RegionRegistry) -> None:
        """Index every Gemeinde and Kreis under its full, short and label forms."""
        self._owners: dict[str, list[tuple[Place, KeyKind]]] = {}
        initials: dict[str, list[str]] = {}
        for gemeinde in registry.gemeinden:
            self._add(gemeinde, gemeinde.name, KeyKind.FULL)
            for form in short_forms(gemeinde.name):
                self._add(gemeinde, form, KeyKind.SHORT)
            parts = gemeinde.name.split("-")
            if len(parts) > 1:
                for umlauts in (UMLAUTS_AE, UMLAUTS_PLAIN):
                    letters = fold("".join(p[0] for p in parts), umlauts)
                    initials.setdefault(letters, []).append(fold(gemeinde.name, umlauts))
        self.gemeinde_keys = frozenset(self._owners)
        self._add_labels()
        # Stadtkreise are left out: their one Gemeinde is the place people mean.
        for kreis in registry.kreise:
            if kreis.kind != LANDKREIS:
                continue
            self._add(kreis, kreis.name, KeyKind.FULL)
            short = KREIS_SUFFIX.sub("", kreis.name)
            if short != kreis.name and len(short) >= 4:
                self._add(kreis, short, KeyKind.SHORT)
        self.keys = sorted(self._owners)
        self.initials = {letters: tuple(dict.fromkeys(keys)) for letters, keys in initials.items()}

    def owners(self, key: str) -> list[tuple[Place, KeyKind]]:
        """The places ``key`` names, each with how it names them (empty for an unknown key)."""
        return self._owners.get(key, [])

    def _add(self, place: Place, text: str, kind: KeyKind) -> None:
        """Index ``place`` under every spelling variant of ``text``."""
        for key in variants(text):
            self._add_key(key, place, kind)

    def _add_key(self, key: str, place: Place, kind: KeyKind) -> None:
        """Add ``place`` as an owner of ``key`` once."""
        owners = self._owners.setdefault(key, [])
        if all(owner is not place for owner, _ in owners):
            owners.append((place, kind))

    def _add_labels(self) -> None:
        """Index shared names together with their Kreis, so a label settles which one is meant."""
        # "talheim heilbronn" / "talheim tuttlingen": lets a user (or a label typed back,
        # "Talheim, Landkreis Heilbronn") settle a name that several Gemeinden share.
        for key, owners in list(self._owners.items()):
            if len(owners) < 2:
                continue
            for owner, _ in owners:
                if not isinstance(owner, Gemeinde):
                    continue
                for base in {key, *variants(owner.name)}:
                    for kreis_key in variants(owner.kreis):
                        label = f"{base} {without_fillers(kreis_key)}"
                        self._add_key(label, owner, KeyKind.LABEL)
