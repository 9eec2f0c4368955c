"""aga_consulta/text.py: the cleaning of display names, and the folded form names are compared in."""
import pytest

from aga_consulta.errors import ValidationFailed
from aga_consulta.text import clean_display_name, folded

#: Every bidi control of Unicode (embeddings, overrides, isolates, marks) and the Arabic letter mark.
BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]
#: Other characters that show nothing: zero-width space, joiners, word joiner, BOM, soft
#: hyphen, a tag character, the combining grapheme joiner, a Hangul filler, a variation selector.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0041", "\u034f", "\u3164", "\ufe0f"]


@pytest.mark.parametrize("control", BIDI_CONTROLS + INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_and_bidi_characters_are_removed(control):
    assert clean_display_name(f"Ana{control} Torres{control}") == "Ana Torres"


def test_the_rlo_trick_leaves_the_letters_in_their_typed_order():
    assert clean_display_name("Ana \u202egnp.exe") == "Ana gnp.exe"


def test_whitespace_of_every_kind_becomes_one_space():
    assert clean_display_name("  Ana\u00a0\u2003María\n\tde\u2028la  Torre ") == "Ana María de la Torre"


def test_letters_accents_and_other_scripts_stay():
    assert clean_display_name("José Núñez") == "José Núñez"
    assert clean_display_name("Jose\u0301") == "José"  # NFD in, NFC out
    assert clean_display_name("Nguyễn Thị Ánh") == "Nguyễn Thị Ánh"
    assert clean_display_name("محمد علي") == "محمد علي"


def test_towers_of_combining_marks_are_cut_to_two():
    assert clean_display_name("Aq" + "\u0301\u0302\u0303\u0304\u0305" * 4 + "ui") == "Aq\u0301\u0302ui"


def test_a_nul_character_is_refused():
    with pytest.raises(ValidationFailed):
        clean_display_name("Ana\x00")


def test_folded_unfolds_fullwidth_drops_accents_and_case():
    assert folded("ＡＤＭＩＮ Moderación ÉQUIPO") == "admin moderacion equipo"
