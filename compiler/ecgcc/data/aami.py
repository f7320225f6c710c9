"""AAMI EC57 beat classes and the mapping from WFDB annotation symbols.

Five classes: N (normal and bundle-branch-block beats, escape beats), S (supraventricular
ectopic), V (ventricular ectopic), F (fusion of ventricular and normal), Q (paced, fusion of
paced and normal, unclassifiable). Annotations that do not mark a beat (rhythm changes,
noise, flutter waves, ...) are not beats at all; any symbol outside both lists is counted
as unknown by the callers so that foreign databases are reported honestly.
"""

from __future__ import annotations

CLASSES = ("N", "S", "V", "F", "Q")
CLASS_INDEX = {name: index for index, name in enumerate(CLASSES)}

SYMBOL_TO_CLASS = {
    # N: normal, left/right bundle branch block, unspecified BBB, atrial and nodal escape
    "N": "N", "L": "N", "R": "N", "B": "N", "e": "N", "j": "N",
    # S: atrial premature, aberrated APC, nodal premature, supraventricular premature/escape
    "A": "S", "a": "S", "J": "S", "S": "S", "n": "S",
    # V: premature ventricular contraction, R-on-T PVC, ventricular escape
    "V": "V", "r": "V", "E": "V",
    # F: fusion of ventricular and normal beat
    "F": "F",
    # Q: paced, fusion of paced and normal, unclassifiable
    "/": "Q", "f": "Q", "Q": "Q", "?": "Q",
}

# WFDB annotation codes that are not beats (rhythm, signal quality, waves, comments)
NON_BEAT_SYMBOLS = frozenset(
    ["+", "~", "|", "x", "!", "[", "]", "(", ")", "p", "t", "u", "`", "'", "^", "s", "T", "*", "D", "=", '"', "@"]
)


def is_beat(symbol: str) -> bool:
    return symbol in SYMBOL_TO_CLASS


def class_of(symbol: str) -> int:
    return CLASS_INDEX[SYMBOL_TO_CLASS[symbol]]


def is_known(symbol: str) -> bool:
    return symbol in SYMBOL_TO_CLASS or symbol in NON_BEAT_SYMBOLS
